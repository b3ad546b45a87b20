import Foundation
import Testing

/// GC and STATUS (cniVersion 1.1.0, with our host-local as IPAM): GC releases the addresses
/// and removes the nftables rules of attachments not in `cni.dev/valid-attachments`.
@Suite("bridge GC and STATUS", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeGCTests {
    @Test func gcRemovesRulesAndReservationsOfStaleAttachmentsOnly() throws {
        try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.binDir
            let options = #""isGateway":true,"ipMasq":true,"macspoofchk":true"#
            let config = h.config(options, ipam: h.ipam(v6: nil), version: "1.1.0")
            let keep = try h.newContainer()
            let stale = try h.newContainer()
            try h.add(config, container: keep, containerID: "keep")
            try h.add(config, container: stale, containerID: "stale")
            #expect(try h.reservations() == ["10.88.0.2", "10.88.0.3"])
            #expect(try h.ruleset().contains("/stale/eth0"))

            let status = try h.exec("STATUS", config: config, container: nil)
            #expect(status.status == 0 && status.stdout.isEmpty, "STATUS: \(status.summary)")

            let gcConfig = String(config.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]}"#
            let gc = try h.exec("GC", config: gcConfig, container: nil)
            #expect(gc.status == 0 && gc.stdout.isEmpty, "GC: \(gc.summary)")
            #expect(try h.reservations() == ["10.88.0.2"])
            let rules = try h.ruleset()
            #expect(!rules.contains("/stale/eth0"), "the stale attachment's rules are gone")
            #expect(rules.contains("/keep/eth0"), "the valid attachment's rules stay")
            #expect(rules.contains("ip saddr 10.88.0.2 "))
            #expect(!rules.contains("ip saddr 10.88.0.3 "))
            #expect(try h.hostVeths().count == 1, "the stale attachment's veth is gone, the valid one stays")
            #expect(try stale.link("eth0") == nil)
            #expect(try keep.link("eth0") != nil)

            // GC with no valid attachment left clears everything of the network.
            let gcAll = try h.exec("GC", config: String(config.dropLast()) + #","cni.dev/valid-attachments":[]}"#, container: nil)
            #expect(gcAll.status == 0, "GC: \(gcAll.summary)")
            #expect(try h.reservations().isEmpty)
            #expect(try h.ruleset().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(try h.hostVeths().isEmpty)
        }
    }

    @Test func gcAndStatusNeedVersion110() throws {
        try BridgeTestHost.with { h in
            let config = h.config(ipam: h.ipam(v6: nil), version: "1.0.0")
            for command in ["GC", "STATUS"] {
                let out = try h.exec(command, config: config, container: nil)
                #expect(out.code == 1, "\(command): \(out.summary)")
            }
        }
    }
}
