import Foundation
import Testing

/// `cnictl doctor` on node 1 of a healthy two-node vxlan cluster: faults of the VTEP, of
/// node 2's FDB entry, neighbour and route, and of MTUs are each named; the fix doctor gives
/// for the overlay (`cnictl reconcile-peers`) makes the node healthy again.
@Suite("cnictl doctor: overlay and MTU", .enabled(if: TestEnvironment.canRunNetNSTests))
struct DoctorOverlayTests {
    static let underlay = ["192.168.72.11/24", "192.168.72.12/24"]

    func expectFinding(
        _ c: VxlanCluster, _ check: String, about: String, alsoCaused: [String] = [], inject: () throws -> Void,
        repair: (() throws -> Void)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let n1 = c.nodes[0]
        try inject()
        let report = try c.doctor(n1)
        #expect(report.status == 1, "\(report.summary)", sourceLocation: sourceLocation)
        #expect(report.checks == [check] + alsoCaused, "\(report.summary)", sourceLocation: sourceLocation)
        let finding = report.first(check) ?? [:]
        #expect(
            (finding["evidence"] ?? "").contains(about) || (finding["object"] ?? "").contains(about),
            "\(report.summary)", sourceLocation: sourceLocation)
        if let repair {
            try repair()
        } else {
            #expect(finding["fix"] == "cnictl reconcile-peers \(VxlanCluster.network)" || finding["fix"]?.hasPrefix("cnictl reconcile-peers") == true,
                    "\(report.summary)", sourceLocation: sourceLocation)
            let out = try c.cnictl(n1, ["reconcile-peers"])
            #expect(out.status == 0, "\(out.summary)", sourceLocation: sourceLocation)
        }
        let after = try c.doctor(n1)
        #expect(after.status == 0 && after.findings.isEmpty, "after repair: \(after.summary)", sourceLocation: sourceLocation)
    }

    @Test func overlayFaultsAreNamed() throws {
        try VxlanCluster.with(underlayIPs: Self.underlay) { c in
            let n1 = c.nodes[0], n2 = c.nodes[1]
            _ = try c.addPod(n1, id: "ov-a")
            let healthy = try c.doctor(n1)
            #expect(healthy.status == 0 && healthy.findings.isEmpty, "no false alarm: \(healthy.summary)")
            let mac = VxlanCluster.derivedMAC(vni: 1, underlayIP: n2.underlayIP)
            let peerGateway = "10.244.2.0"

            try expectFinding(c, "peer-fdb-missing", about: mac, inject: {
                try n1.ns.run(["bridge", "fdb", "del", mac, "dev", "vxlan.1", "dst", n2.underlayIP])
            })
            try expectFinding(c, "peer-fdb-stale", about: "192.168.72.99", inject: {
                try n1.ns.run(["bridge", "fdb", "del", mac, "dev", "vxlan.1", "dst", n2.underlayIP])
                try n1.ns.run(["bridge", "fdb", "append", mac, "dev", "vxlan.1", "dst", "192.168.72.99", "self", "permanent"])
            })
            try expectFinding(c, "peer-neighbour-missing", about: peerGateway, inject: {
                try n1.ns.run(["ip", "neigh", "del", peerGateway, "dev", "vxlan.1"])
            })
            try expectFinding(c, "peer-neighbour-stale", about: "02:00:00:00:00:99", inject: {
                try n1.ns.run(["ip", "neigh", "replace", peerGateway, "lladdr", "02:00:00:00:00:99", "dev", "vxlan.1", "nud", "permanent"])
            })
            try expectFinding(c, "peer-route-missing", about: "10.244.2.0/24", inject: {
                try n1.ns.run(["ip", "route", "del", "10.244.2.0/24"])
            })
            try expectFinding(c, "peer-route-stale", about: "via 192.168.72.1 dev eth0", inject: {
                try n1.ns.run(["ip", "route", "replace", "10.244.2.0/24", "via", "192.168.72.1", "dev", "eth0"])
            })
            // Down flushes the peer's neighbour and route on the VTEP: named too, and
            // reconcile-peers (the fix) brings the device up and reprograms them.
            try expectFinding(c, "vtep-down", about: "vxlan.1", alsoCaused: ["peer-neighbour-missing", "peer-route-missing"],
                inject: { try n1.ns.run(["ip", "link", "set", "vxlan.1", "down"]) })
            // A VTEP made by hand with the wrong port and learning on: reconcile-peers recreates it.
            try expectFinding(c, "vtep-settings", about: "port 8472 (wanted 4789)", inject: {
                let vtep = try #require(try c.vtep(n1))
                let mtu = vtep["mtu"] as? Int ?? 1450, address = vtep["address"] as? String ?? ""
                try n1.ns.run(["ip", "link", "del", "vxlan.1"])
                try n1.ns.run([
                    "ip", "link", "add", "vxlan.1", "address", address, "mtu", String(mtu), "type", "vxlan", "id", "1",
                    "dstport", "8472", "local", n1.underlayIP, "dev", "eth0", "learning",
                ])
                try n1.ns.run(["ip", "link", "set", "vxlan.1", "up"])
                try n1.ns.run(["ip", "neigh", "replace", peerGateway, "lladdr", mac, "dev", "vxlan.1", "nud", "permanent"])
                try n1.ns.run(["bridge", "fdb", "append", mac, "dev", "vxlan.1", "dst", n2.underlayIP, "self", "permanent"])
                try n1.ns.run(["ip", "route", "replace", "10.244.2.0/24", "via", peerGateway, "dev", "vxlan.1", "onlink"])
            })
            try expectFinding(c, "overlay-unresolved", about: "vxlan.1",
                inject: { try c.writePeers([(n2.name, n2.underlayIP, n2.podCIDR)]) },
                repair: { try c.writePeers(c.nodes.map { ($0.name, $0.underlayIP, $0.podCIDR) }) })
            try expectFinding(c, "vtep-missing", about: "vxlan.1", inject: {
                try n1.ns.run(["ip", "link", "del", "vxlan.1"])
            })
        }
    }

    @Test func mtuFaultsAreNamed() throws {
        try VxlanCluster.with(underlayIPs: Self.underlay) { c in
            let n1 = c.nodes[0]
            let (pod, _, result) = try c.addPod(n1, id: "mtu-a")
            let interfaces = result["interfaces"] as? [[String: Any]] ?? []
            let veth = try #require(interfaces.first { $0["sandbox"] == nil && ($0["name"] as? String) != "cni0" }?["name"] as? String)
            let healthy = try c.doctor(n1)
            #expect(healthy.status == 0 && healthy.findings.isEmpty, "no false alarm: \(healthy.summary)")

            try expectFinding(c, "mtu-above-overlay", about: "\(pod.path) eth0 MTU 1500 > overlay MTU 1450",
                inject: { try pod.run(["ip", "link", "set", "eth0", "mtu", "1500"]) },
                repair: { try pod.run(["ip", "link", "set", "eth0", "mtu", "1450"]) })
            // The bridge follows its only port up to 1500: both named.
            try expectFinding(c, "mtu-above-overlay", about: "cni0 MTU 1500 > overlay MTU 1450", alsoCaused: ["mtu-above-overlay"],
                inject: { try n1.ns.run(["ip", "link", "set", veth, "mtu", "1500"]) },
                repair: { try n1.ns.run(["ip", "link", "set", veth, "mtu", "1450"]) })
            // A configured overlay MTU the underlay cannot carry once encapsulated.
            try expectFinding(c, "underlay-mtu-too-small", about: "+ 50 VXLAN overhead = 1500 > eth0 MTU 1400",
                inject: {
                    try c.writeConflist(n1, vxlanOptions: "\"mtu\": 1450")
                    try n1.ns.run(["ip", "link", "set", "eth0", "mtu", "1400"])
                },
                repair: {
                    try n1.ns.run(["ip", "link", "set", "eth0", "mtu", "1500"])
                    try c.writeConflist(n1)
                })
        }
    }
}
