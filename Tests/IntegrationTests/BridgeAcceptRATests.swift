import Foundation
import Testing

/// `accept_ra=0` on the bridge and on the host veth. The bridge's value is taken from the link
/// read (`IFLA_INET6_CONF`): written when it is not 0, skipped when it already is; a bridge
/// whose value was changed back to 1 gets 0 again on the next ADD.
@Suite("bridge accept_ra", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeAcceptRATests {
    static func acceptRA(_ h: BridgeTestHost, _ name: String) throws -> String {
        try h.host.run(["cat", "/proc/sys/net/ipv6/conf/\(name)/accept_ra"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func bridgeAndHostVethGetZeroAndABridgeResetTo1IsFixedAgain() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil))
            let first = try h.add(config, container: try h.newContainer(), containerID: "c1")
            #expect(try Self.acceptRA(h, h.bridge) == "0")
            let interfaces = first.json?["interfaces"] as? [[String: Any]] ?? []
            let veth = try #require(interfaces[safe: 1]?["name"] as? String)
            #expect(try Self.acceptRA(h, veth) == "0")

            _ = try h.host.run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/\(h.bridge)/accept_ra"])
            #expect(try Self.acceptRA(h, h.bridge) == "1")
            let second = try h.add(config, container: try h.newContainer(), containerID: "c2")
            #expect(second.status == 0)
            #expect(try Self.acceptRA(h, h.bridge) == "0")
        }
    }
}
