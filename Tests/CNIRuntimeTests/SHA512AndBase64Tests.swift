import CNIRuntime
import Testing

@Suite("SHA-512, base64 and default container IDs")
struct SHA512AndBase64Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test func sha512KnownVectors() {
        #expect(SHA512.hex(SHA512.hash([])) == "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
        #expect(SHA512.hex(SHA512.hash(Array("abc".utf8))) == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        let twoBlocks = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA512.hex(SHA512.hash(Array(twoBlocks.utf8))) == "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    }

    @Test func sha512PaddingBoundaries() {
        // Lengths around the 112-byte padding boundary must each give a distinct 64-byte digest.
        var seen = Set<String>()
        for n in 100...140 {
            let digest = SHA512.hash([UInt8](repeating: 0x61, count: n))
            #expect(digest.count == 64)
            seen.insert(SHA512.hex(digest))
        }
        #expect(seen.count == 41)
    }

    @Test func defaultContainerIDFollowsCnitoolScheme() {
        // cnitool: "cnitool-" + first 20 hex digits of SHA-512(absolute netns path); we use "cnictl-".
        let id = Identifiers.defaultContainerID(netnsPath: "/run/netns/x")
        let digest = SHA512.hex(SHA512.hash(Array("/run/netns/x".utf8)))
        #expect(id == "cnictl-" + digest.prefix(20))
        #expect(Identifiers.isValidID(id))
    }

    @Test func base64RoundTripAndKnownValues() {
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
        #expect(Base64.encode(Array("M".utf8)) == "TQ==")
        #expect(Base64.encode([]) == "")
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("TWE") == nil)
        #expect(Base64.decode("T=Fu") == nil)
        #expect(Base64.decode("TW!u") == nil)
    }

    @Test func netnsArgument() {
        #expect(NetnsPath.resolve("blue", workingDirectory: "/w") == "/run/netns/blue")
        #expect(NetnsPath.resolve("/proc/1/ns/net", workingDirectory: "/w") == "/proc/1/ns/net")
        #expect(NetnsPath.resolve("./ns/../x", workingDirectory: "/w/d") == "/w/d/x")
        #expect(NetnsPath.resolve("", workingDirectory: "/w") == "")
    }
}
