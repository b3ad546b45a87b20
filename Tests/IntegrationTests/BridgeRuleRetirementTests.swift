import Foundation
import Testing

/// A network's forward accepts persist with its bridge after the last DEL (as the bridge
/// itself does); once the bridge is deleted (`podman network rm`), the next DEL or GC of any
/// network on the node removes them, since podman 4 and containerd 1.6 never send GC.
@Suite("bridge rules of deleted bridges", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeRuleRetirementTests {
    /// Network B of the same host namespace: its own name, bridge, subnet and data directory.
    static func otherNetwork(_ h: BridgeTestHost, _ options: String = "") -> (config: String, bridge: String) {
        let bridge = "o" + h.bridge.dropFirst()
        let config = h.config(options, ipam: h.ipam(v4: "10.89.0.0/24", v6: nil))
            .replacingOccurrences(of: #""name":"\#(h.network)""#, with: #""name":"\#(h.network)-b""#)
            .replacingOccurrences(of: #""bridge":"\#(h.bridge)""#, with: #""bridge":"\#(bridge)""#)
        return (config, bridge)
    }

    static func accepts(_ h: BridgeTestHost, _ bridge: String) throws -> Int {
        try h.ruleset().split(separator: "\n").filter { $0.contains("ifname \"\(bridge)\" accept") }.count
    }

    @Test func theNextDelOrGCRemovesTheAcceptsOfADeletedBridge() throws {
        try BridgeTestHost.with { h in
            let configA = h.config(#""ipMasq":true"#, ipam: h.ipam(v6: nil))
            let (configB, bridgeB) = Self.otherNetwork(h, #""isGateway":true"#)
            defer { _ = try? h.host.run(["ip", "link", "del", bridgeB]) }
            let a1 = try h.newContainer()
            let b1 = try h.newContainer()
            try h.add(configA, container: a1, containerID: "a1")
            try h.add(configB, container: b1, containerID: "b1")
            #expect(try Self.accepts(h, h.bridge) == 2 && Self.accepts(h, bridgeB) == 2)
            #expect(try h.ruleset().contains("br=\(h.bridge) "), "the accepts' comment names their bridge")

            // The last DEL of A keeps A's accepts: the bridge is still there.
            try h.exec("DEL", config: configA, container: a1, containerID: "a1").expectSuccess()
            #expect(try Self.accepts(h, h.bridge) == 2)

            // The bridge goes (what `podman network rm` does); a DEL on network B that has
            // nothing to delete removes A's accepts and membership, and nothing of B.
            try h.host.run(["ip", "link", "del", h.bridge])
            try h.exec("DEL", config: configB, container: nil, containerID: "unknown").expectSuccess()
            #expect(try Self.accepts(h, h.bridge) == 0, "A's accepts are gone:\n\((try? h.ruleset()) ?? "")")
            #expect(try Self.accepts(h, bridgeB) == 2, "B's accepts stay")
            #expect(try h.ruleset().split(separator: "\n").filter { $0.contains("chain m-") }.count == 1,
                    "only B's network membership is left:\n\((try? h.ruleset()) ?? "")")

            // A comes back with a pod (ADD recreates bridge and accepts), then its bridge is
            // deleted under the live pod: GC of B drops A's accepts and keeps the pod's own
            // masquerade rule, which the pod's DEL removes.
            let a2 = try h.newContainer()
            try h.add(configA, container: a2, containerID: "a2")
            #expect(try Self.accepts(h, h.bridge) == 2)
            try h.host.run(["ip", "link", "del", h.bridge])
            let gcB = String(configB.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"b1","ifname":"eth0"}]}"#
            let gc = try h.exec("GC", config: gcB.replacingOccurrences(of: #""cniVersion":"1.0.0""#, with: #""cniVersion":"1.1.0""#),
                                container: nil)
            #expect(gc.status == 0, "GC: \(gc.summary)")
            #expect(try Self.accepts(h, h.bridge) == 0, "A's accepts are gone:\n\((try? h.ruleset()) ?? "")")
            #expect(try Self.accepts(h, bridgeB) == 2, "B's accepts stay")
            #expect(try h.ruleset().contains("masquerade"), "pod a2's own rule stays until its DEL")
            try h.exec("DEL", config: configA, container: a2, containerID: "a2").expectSuccess()
            #expect(!(try h.ruleset().contains("masquerade")))

            // B's last pod leaves, then its bridge: the next DEL on the node turns the lights off.
            try h.exec("DEL", config: configB, container: b1, containerID: "b1").expectSuccess()
            #expect(try Self.accepts(h, bridgeB) == 2)
            try h.host.run(["ip", "link", "del", bridgeB])
            try h.exec("DEL", config: configA, container: nil, containerID: "unknown").expectSuccess()
            #expect(!(try h.ruleset().contains("swcni_bridge")), "no member left, no table:\n\((try? h.ruleset()) ?? "")")
        }
    }
}
