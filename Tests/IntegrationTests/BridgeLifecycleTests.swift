import Foundation
import Testing

/// Rollback after a failure past IPAM, and 100 pods added then deleted leave the host
/// namespace exactly as it was (links, addresses, routes, VLANs, FDB, nftables, reservations).
@Suite("bridge lifecycle", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeLifecycleTests {
    /// An ADD + DEL so the bridge exists with its gateway (the bridge persists after DEL, as
    /// in the reference); the state after it is the baseline.
    static func warmUp(_ h: BridgeTestHost, _ config: String) throws {
        let c = try h.newContainer()
        try h.add(config, container: c, containerID: "warm-up")
        // The kernel runs DAD on the bridge's own link-local address while it has carrier; let
        // it finish, or its local-table routes appear only later and look like a difference.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let tentative = try h.host.run(["ip", "-6", "addr", "show", "dev", h.bridge, "tentative"])
            if tentative.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let del = try h.exec("DEL", config: config, container: c, containerID: "warm-up")
        #expect(del.status == 0, "\(del.summary)")
        // DEL retires the veth and a detached process deletes it (docs/bridge.md): wait until
        // it is gone, or a loaded machine can leave it in the "before" snapshot.
        #expect(try h.hostVeths().isEmpty)
        // Let the kernel's asynchronous carrier update (linkwatch) reach the port-less bridge.
        let settle = Date().addingTimeInterval(10)
        while Date() < settle {
            let flags = (try h.link(h.bridge))?["flags"] as? [String] ?? []
            if flags.contains("NO-CARRIER") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func rollbackAfterAnAddressConflictOnTheBridgeLeavesNothing() throws {
        try BridgeTestHost.with { h in
            // The bridge carries 10.66.0.1/24; a network on 10.88.0.0/24 cannot put its gateway
            // there without forceAddress. The failure comes after IPAM, veth, container addresses.
            try Self.warmUp(h, h.config(#""isGateway":true"#, ipam: h.ipam(v4: "10.66.0.0/24", v6: nil)))
            let before = try h.snapshot()
            let c = try h.newContainer()
            let config = h.config(#""isGateway":true,"ipMasq":true,"macspoofchk":true"#, ipam: h.ipam())
            let out = try h.exec("ADD", config: config, container: c)
            #expect(out.code == 7, "\(out.summary)")
            let after = try h.snapshot(settlingTo: before)
            #expect(after == before, "no link, address, route, rule or reservation leaked: \(BridgeTestHost.difference(before, after))")
            #expect(try c.link("eth0") == nil, "the container veth is gone")
            // The same container can be added once the conflict is resolved.
            try h.host.run(["ip", "addr", "flush", "dev", h.bridge])
            try h.add(config, container: c)
        }
    }

    @Test func rollbackAfterAnUnroutableIPAMRouteLeavesNothing() throws {
        try BridgeTestHost.with { h in
            // host-local hands out a route via a gateway outside the pod subnet: adding it in the
            // container fails (network unreachable) after IPAM and after macspoofchk rules exist.
            let ipam = h.ipam(v6: nil, extra: #","routes":[{"dst":"192.168.0.0/16","gw":"172.16.0.1"}]"#)
            try Self.warmUp(h, h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil)))
            let before = try h.snapshot()
            let c = try h.newContainer()
            let out = try h.exec("ADD", config: h.config(#""isGateway":true,"macspoofchk":true"#, ipam: ipam), container: c)
            #expect(out.status != 0, "\(out.summary)")
            #expect((out.json?["msg"] as? String ?? "").contains("failed to add route 192.168.0.0/16 via 172.16.0.1"), "\(out.summary)")
            let after = try h.snapshot(settlingTo: before)
            #expect(after == before, "no link, address, route, rule or reservation leaked: \(BridgeTestHost.difference(before, after))")
            #expect(try c.link("eth0") == nil)
        }
    }

    @Test func hundredPodsAddedThenDeletedLeaveTheHostAsBefore() throws {
        try BridgeTestHost.with { h in
            let config = h.config(
                #""isDefaultGateway":true,"ipMasq":true,"macspoofchk":true,"hairpinMode":true"#,
                ipam: h.ipam(v4: "10.90.0.0/16", v6: "fd90::/64"))
            try Self.warmUp(h, config)
            let before = try h.snapshot()
            var pods: [(TestNamespace, String)] = []
            var addresses = Set<String>()
            for i in 0..<100 {
                let c = try h.newContainer()
                let id = "pod-\(i)"
                let out = try h.add(config, container: c, containerID: id)
                for address in out.addresses { addresses.insert(address) }
                pods.append((c, id))
            }
            #expect(addresses.count == 200, "100 pods, two distinct addresses each")
            #expect(try h.hostVeths().count == 100)
            #expect(try h.reservations().count == 200)
            #expect(try h.ping(from: pods[0].0, "10.90.0.101"), "first pod reaches the last one")
            for (c, id) in pods {
                let del = try h.exec("DEL", config: config, container: c, containerID: id)
                #expect(del.status == 0, "\(del.summary)")
            }
            // Neighbour entries learnt by the ping are not ours to compare; flush them.
            _ = try? Shell.run(["ip", "-n", h.host.name, "neigh", "flush", "all"])
            let after = try h.snapshot(settlingTo: before)
            #expect(after == before, "\(BridgeTestHost.difference(before, after))")
        }
    }
}
