import CNISpec
import LinkControl
import LoopbackPlugin
import Testing

/// The result built from lo's addresses, and its encoding in every version.
@Suite("loopback result")
struct LoopbackResultTests {
    static let v4 = AssignedAddress(bytes: [127, 0, 0, 1], prefixLength: 8)!
    static let v4b = AssignedAddress(bytes: [127, 0, 0, 2], prefixLength: 8)!
    static let v6 = AssignedAddress(bytes: [UInt8](repeating: 0, count: 15) + [1], prefixLength: 128)!

    @Test func firstAddressOfEachFamilyOnInterfaceZero() {
        let result = LoopbackResult.make(addresses: [Self.v6, Self.v4, Self.v4b], netns: "/run/netns/x")
        #expect(result.interfaces == [.init(name: "lo", mac: "00:00:00:00:00:00", sandbox: "/run/netns/x")])
        #expect(result.ips == [.init(address: "127.0.0.1/8", interface: 0), .init(address: "::1/128", interface: 0)])
        #expect(result.routes.isEmpty && result.dns.isEmpty)
    }

    @Test func noAddressesGiveNoIPs() {
        let result = LoopbackResult.make(addresses: [], netns: "/run/netns/x")
        #expect(result.ips.isEmpty)
        #expect(result.interfaces.count == 1)
    }

    @Test func onlyIPv4() {
        let result = LoopbackResult.make(addresses: [Self.v4], netns: "/n")
        #expect(result.ips.map(\.address) == ["127.0.0.1/8"])
    }

    @Test func foreignAddressDetection() {
        let foreign = AssignedAddress(bytes: [10, 0, 0, 1], prefixLength: 32)!
        #expect(LoopbackResult.firstNonLoopback([Self.v4, Self.v6]) == nil)
        #expect(LoopbackResult.firstNonLoopback([Self.v4, foreign, Self.v6]) == foreign)
    }

    /// The exact bytes printed for a fresh namespace's lo, per version.
    @Test(arguments: [
        ("0.1.0", #"{"cniVersion":"0.1.0","ip4":{"ip":"127.0.0.1/8"},"ip6":{"ip":"::1/128"},"dns":{}}"#),
        ("0.2.0", #"{"cniVersion":"0.2.0","ip4":{"ip":"127.0.0.1/8"},"ip6":{"ip":"::1/128"},"dns":{}}"#),
        ("0.3.0", #"{"cniVersion":"0.3.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/n"}],"ips":[{"version":"4","interface":0,"address":"127.0.0.1/8"},{"version":"6","interface":0,"address":"::1/128"}],"dns":{}}"#),
        ("0.4.0", #"{"cniVersion":"0.4.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/n"}],"ips":[{"version":"4","interface":0,"address":"127.0.0.1/8"},{"version":"6","interface":0,"address":"::1/128"}],"dns":{}}"#),
        ("1.0.0", #"{"cniVersion":"1.0.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/n"}],"ips":[{"interface":0,"address":"127.0.0.1/8"},{"interface":0,"address":"::1/128"}],"dns":{}}"#),
        ("1.1.0", #"{"cniVersion":"1.1.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/n"}],"ips":[{"interface":0,"address":"127.0.0.1/8"},{"interface":0,"address":"::1/128"}],"dns":{}}"#),
    ])
    func wireFormat(_ version: String, _ expected: String) throws {
        let result = LoopbackResult.make(addresses: [Self.v4, Self.v6], netns: "/n")
        let json = try result.json(version: try #require(CNIVersion(version)))
        #expect(String(decoding: json.serializedBytes(), as: UTF8.self) == expected)
    }
}
