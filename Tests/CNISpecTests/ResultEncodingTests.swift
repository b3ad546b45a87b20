import Testing

@testable import CNISpec
import JSONSupport

/// A result exercising every field, as a bridge plugin in a dual-stack network returns it.
let sampleResult = CNIResult(
    interfaces: [
        .init(name: "cni0", mac: "0a:58:0a:f4:01:01", mtu: 1450),
        .init(name: "veth1234abcd", mac: "5e:00:00:00:00:01"),
        .init(name: "eth0", mac: "0a:58:0a:f4:01:07", mtu: 1450, sandbox: "/run/netns/p1", socketPath: "/s", pciID: "0000:00:01.0"),
    ],
    ips: [
        .init(address: "10.244.1.7/24", gateway: "10.244.1.1", interface: 2),
        .init(address: "fd00:1::7/64", gateway: "fd00:1::1", interface: 2),
        .init(address: "10.244.2.7/24", interface: 2),
    ],
    routes: [
        .init(dst: "0.0.0.0/0"),
        .init(dst: "::/0", gw: "fd00:1::1", mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0),
    ],
    dns: .init(nameservers: ["10.96.0.10"], domain: "cluster.local", search: ["svc.cluster.local"], options: ["ndots:5"]))

@Suite("Result encoding per version")
struct ResultEncodingTests {
    /// Golden files in `Golden/result-<version>.json`, one per specification version.
    @Test(arguments: CNIVersion.all)
    func goldenEncoding(_ version: CNIVersion) throws {
        let actual = try sampleResult.json(version: version).serialized()
        let expected = try Golden.load("result-\(version).json")
        #expect(actual == expected, "[\(version)] result encoding differs from Golden/result-\(version).json")
    }

    @Test(arguments: CNIVersion.all)
    func outputCarriesTheRequestedVersion(_ version: CNIVersion) throws {
        let object = try #require(try sampleResult.json(version: version).objectValue)
        #expect(object["cniVersion"] == .string(version.description))
    }

    @Test(arguments: CNIVersion.all)
    func versionFieldOnlyInZeroThreeToZeroFour(_ version: CNIVersion) throws {
        let object = try #require(try sampleResult.json(version: version).objectValue)
        let ips = object["ips"]?.arrayValue ?? []
        for ip in ips {
            let hasVersion = ip.objectValue?["version"] != nil
            #expect(hasVersion == (version.resultFormat == .v040), "[\(version)]")
        }
        #expect((object["ip4"] != nil) == (version.resultFormat == .v020), "[\(version)]")
        #expect((object["interfaces"] != nil) == (version.resultFormat != .v020), "[\(version)]")
    }

    /// Encoding then decoding gives back what the version can express.
    @Test(arguments: CNIVersion.all)
    func roundTrip(_ version: CNIVersion) throws {
        let encoded = try sampleResult.json(version: version)
        let (decoded, decodedVersion) = try CNIResult.parse(encoded, defaultVersion: .v1_1_0)
        #expect(decodedVersion == version)
        let reencoded = try decoded.json(version: version)
        #expect(reencoded == encoded, "[\(version)]")
        switch version.resultFormat {
        case .v020:
            #expect(decoded.ips.map(\.address) == ["10.244.1.7/24", "fd00:1::7/64"])
            #expect(decoded.interfaces.isEmpty)
        case .v040:
            #expect(decoded.ips.count == 3)
            #expect(decoded.interfaces.allSatisfy { $0.mtu == nil })
        case .v100:
            #expect(decoded.ips.count == 3)
        }
        if version == .v1_1_0 { #expect(decoded == sampleResult) }
    }

    @Test func zeroTwoCannotExpressAResultWithoutAddresses() {
        let result = CNIResult(interfaces: [.init(name: "lo", mac: "00:00:00:00:00:00", sandbox: "/x")])
        #expect(throws: CNIError.self) { try result.json(version: .v0_2_0) }
        do {
            _ = try result.json(version: .v0_1_0)
        } catch {
            #expect(error.code == .incompatibleVersion)
        }
    }

    @Test func zeroTwoResultConvertsUpwards() throws {
        let old = try JSONParser.parse(
            #"{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]},"ip6":{"ip":"fd00::5/64"},"dns":{}}"#)
        let (result, version) = try CNIResult.parse(old, defaultVersion: .v1_0_0)
        #expect(version == .v0_2_0)
        #expect(try result.json(version: .v0_4_0).serialized()
            == #"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.5/16","gateway":"10.1.0.1"},{"version":"6","address":"fd00::5/64"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}"#)
    }

    @Test func missingVersionInPrevResultUsesTheRequestVersion() throws {
        let value = try JSONParser.parse(#"{"ips":[{"version":"4","address":"10.0.0.2/24"}]}"#)
        let (result, version) = try CNIResult.parse(value, defaultVersion: .v0_3_1)
        #expect(version == .v0_3_1)
        #expect(result.ips.first?.address == "10.0.0.2/24")
    }

    @Test func malformedResultIsADecodingFailure() throws {
        let value = try JSONParser.parse(#"{"cniVersion":"1.0.0","ips":[{"gateway":"10.0.0.1"}]}"#)
        do {
            _ = try CNIResult.parse(value, defaultVersion: .v1_0_0, path: "prevResult")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .decodingFailure)
            #expect(error.msg.contains("prevResult.ips[0].address"))
        }
    }
}
