import Testing

@testable import NFTables

@Suite("nftables prefixes")
struct PrefixTests {
    @Test func parsesAndMasks() throws {
        let pod = try NFTPrefix("10.1.0.5/24")
        #expect(pod.family == .ipv4)
        #expect(pod.description == "10.1.0.5/24")
        #expect(pod.network.description == "10.1.0.0/24")
        #expect(pod.host.description == "10.1.0.5/32")
        #expect(try NFTPrefix("10.1.2.3/20").network.description == "10.1.0.0/20")
        #expect(try NFTPrefix("10.1.2.3/0").network.description == "0.0.0.0/0")
        let v6 = try NFTPrefix("FD00:0:0:0::abcd/64")
        #expect(v6.family == .ipv6)
        #expect(v6.address == "fd00::abcd")
        #expect(v6.network.description == "fd00::/64")
        #expect(try NFTPrefix("fd00::1:2:3:4/100").network.description == "fd00::1:2:0:0/100")
        #expect(try NFTPrefix("10.0.0.1").isHost)
    }

    @Test(arguments: ["", "10.0.0", "10.0.0.1/33", "fd00::/129", "10.0.0.1/-1", "10.0.0.1/a", "x::y", "10.0.0.1/"])
    func rejects(_ text: String) {
        #expect(throws: NFTablesError.self) { try NFTPrefix(text) }
    }
}
