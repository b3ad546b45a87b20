import Foundation
import Testing

/// `cnictl doctor` on a healthy two-node vxlan cluster built by the real plugins (bridge +
/// host-local, vxlan chained) reports nothing; each fault injected into node 1's namespace
/// is then named by its check, and gone once repaired.
@Suite("cnictl doctor: node and addressing", .enabled(if: TestEnvironment.canRunNetNSTests))
struct DoctorNodeTests {
    static let underlay = ["192.168.71.11/24", "192.168.71.12/24"]

    /// Asserts the node is healthy, injects, asserts exactly `check` is found (and `about`
    /// appears in its evidence or object), repairs, asserts healthy again.
    func expectFinding(
        _ c: VxlanCluster, _ check: String, about: String, alsoCaused: [String] = [], inject: () throws -> Void, repair: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let n1 = c.nodes[0]
        try inject()
        let report = try c.doctor(n1)
        #expect(report.status == 1, "\(report.summary)", sourceLocation: sourceLocation)
        #expect(report.checks.first == check, "\(report.summary)", sourceLocation: sourceLocation)
        #expect(Array(report.checks.dropFirst()) == alsoCaused, "\(report.summary)", sourceLocation: sourceLocation)
        let finding = report.first(check) ?? [:]
        #expect(
            (finding["evidence"] ?? "").contains(about) || (finding["object"] ?? "").contains(about),
            "\(report.summary)", sourceLocation: sourceLocation)
        #expect(!(finding["fix"] ?? "").isEmpty, sourceLocation: sourceLocation)
        try repair()
        let after = try c.doctor(n1)
        #expect(after.status == 0 && after.findings.isEmpty, "after repair: \(after.summary)", sourceLocation: sourceLocation)
    }

    func hostVeth(_ result: [String: Any]) throws -> String {
        let interfaces = result["interfaces"] as? [[String: Any]] ?? []
        return try #require(interfaces.first { $0["sandbox"] == nil && ($0["name"] as? String) != "cni0" }?["name"] as? String)
    }

    @Test func nodeFaultsAreNamed() throws {
        try VxlanCluster.with(underlayIPs: Self.underlay) { c in
            let n1 = c.nodes[0], n2 = c.nodes[1]
            let (pod, podIP, result) = try c.addPod(n1, id: "doc-a")
            _ = try c.addPod(n2, id: "doc-b")
            let veth = try hostVeth(result)

            let healthy = try c.doctor(n1)
            #expect(healthy.status == 0 && healthy.findings.isEmpty, "no false alarm: \(healthy.summary)")
            // Plain text, every network of the conf dir.
            let text = try CnictlRun.run(
                ["doctor", "--conf-dir", "\(c.dir)/\(n1.name)", "--cache-dir", n1.cacheDir], inNS: n1.ns.name)
            #expect(text.status == 0 && text.stdout == "healthy: no findings (\(VxlanCluster.network))\n", "\(text.summary)")
            let unknown = try CnictlRun.run(["doctor", "no-such-net", "--conf-dir", "\(c.dir)/\(n1.name)"], inNS: n1.ns.name)
            #expect(unknown.status == 2 && unknown.stdout.isEmpty && unknown.stderr.contains("no-such-net"), "\(unknown.summary)")

            try expectFinding(c, "ip-forwarding-off", about: "net.ipv4.ip_forward = 0",
                inject: { try n1.ns.run(["sysctl", "-qw", "net.ipv4.ip_forward=0"]) },
                repair: { try n1.ns.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"]) })
            try expectFinding(c, "bridge-down", about: "cni0",
                inject: { try n1.ns.run(["ip", "link", "set", "cni0", "down"]) },
                repair: { try n1.ns.run(["ip", "link", "set", "cni0", "up"]) })
            try expectFinding(c, "veth-down", about: veth,
                inject: { try n1.ns.run(["ip", "link", "set", veth, "down"]) },
                repair: { try n1.ns.run(["ip", "link", "set", veth, "up"]) })
            // Without its only port the bridge falls back to MTU 1500, above the overlay's:
            // a real second consequence doctor must name too.
            try expectFinding(c, "veth-not-bridge-port", about: veth, alsoCaused: ["mtu-above-overlay"],
                inject: { try n1.ns.run(["ip", "link", "set", veth, "nomaster"]) },
                repair: {
                    try n1.ns.run(["ip", "link", "set", veth, "master", "cni0"])
                    try n1.ns.run(["ip", "link", "set", veth, "up"])
                })

            // Strict rp_filter alone drops nothing on the plugins' symmetric routes; with a
            // stray host route for the pod's address out of the underlay it does.
            try n1.ns.run(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1"])
            let strict = try c.doctor(n1)
            #expect(strict.status == 0 && strict.findings.isEmpty, "\(strict.summary)")
            try expectFinding(c, "rp-filter-strict", about: "\(podIP)/32 dev eth0",
                inject: { try n1.ns.run(["ip", "route", "add", "\(podIP)/32", "dev", "eth0"]) },
                repair: { try n1.ns.run(["ip", "route", "del", "\(podIP)/32", "dev", "eth0"]) })
            try n1.ns.run(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0"])

            // Docker's iptables-nft FORWARD policy DROP: the pod's routed packets meet it.
            try expectFinding(c, "foreign-forward-drop", about: "ip filter FORWARD",
                inject: {
                    try n1.ns.run(["iptables-nft", "-P", "FORWARD", "DROP"])
                    _ = try Shell.run(["ip", "netns", "exec", pod.name, "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.168.71.12"])
                    let report = try c.doctor(n1)
                    let evidence = report.first("foreign-forward-drop")?["evidence"] ?? ""
                    #expect(evidence.range(of: #"[1-9][0-9]* packets / [0-9]+ bytes met the policy"#, options: .regularExpression) != nil,
                            "policy counters: \(report.summary)")
                },
                repair: {
                    // The admin opening the pod CIDR both ways in that chain is a repair too.
                    try n1.ns.run(["iptables-nft", "-A", "FORWARD", "-s", "10.244.0.0/16", "-j", "ACCEPT"])
                    let oneWay = try c.doctor(n1)
                    #expect(oneWay.checks == ["foreign-forward-drop"], "replies to the pods are still dropped: \(oneWay.summary)")
                    try n1.ns.run(["iptables-nft", "-A", "FORWARD", "-d", "10.244.0.0/16", "-j", "ACCEPT"])
                })
            try n1.ns.run(["nft", "delete", "table", "ip", "filter"])
        }
    }

    @Test func missingBridgeAndVethAreNamed() throws {
        try VxlanCluster.with(underlayIPs: Self.underlay) { c in
            let n1 = c.nodes[0]
            let (pod, _, result) = try c.addPod(n1, id: "doc-m")
            let veth = try hostVeth(result)
            let readd = { () throws -> Void in
                #expect(try c.cnictl(n1, ["del", pod.path, "--container-id", "doc-m"]).status == 0)
                #expect(try c.cnictl(n1, ["add", pod.path, "--container-id", "doc-m"]).status == 0)
            }
            // The bridge, left without ports, goes back to MTU 1500: named too.
            try expectFinding(c, "veth-missing", about: veth, alsoCaused: ["mtu-above-overlay"],
                inject: { try n1.ns.run(["ip", "link", "del", veth]) }, repair: readd)
            try expectFinding(c, "bridge-missing", about: "cni0",
                inject: { try n1.ns.run(["ip", "link", "del", "cni0"]) }, repair: readd)
        }
    }

    @Test func addressingFaultsAreNamed() throws {
        try VxlanCluster.with(underlayIPs: Self.underlay) { c in
            let n1 = c.nodes[0]
            let (_, podIP, _) = try c.addPod(n1, id: "doc-a")
            let ipam = "\(c.dir)/\(n1.name)/ipam/\(VxlanCluster.network)"
            let healthy = try c.doctor(n1)
            #expect(healthy.status == 0 && healthy.findings.isEmpty, "no false alarm: \(healthy.summary)")

            let record = try Data(contentsOf: URL(fileURLWithPath: "\(ipam)/\(podIP)"))
            try expectFinding(c, "address-not-reserved", about: "\(ipam)/\(podIP)",
                inject: { try FileManager.default.removeItem(atPath: "\(ipam)/\(podIP)") },
                repair: { try record.write(to: URL(fileURLWithPath: "\(ipam)/\(podIP)")) })
            try expectFinding(c, "address-reserved-by-other", about: "other/eth0", alsoCaused: ["reservation-leaked"],
                inject: { try Data("other\r\neth0".utf8).write(to: URL(fileURLWithPath: "\(ipam)/\(podIP)")) },
                repair: { try record.write(to: URL(fileURLWithPath: "\(ipam)/\(podIP)")) })
            try expectFinding(c, "reservation-leaked", about: "ghost/eth0",
                inject: { try Data("ghost\r\neth0".utf8).write(to: URL(fileURLWithPath: "\(ipam)/10.244.1.200")) },
                repair: {
                    let gc = try c.cnictl(n1, ["gc"])
                    #expect(gc.status == 0, "\(gc.summary)")
                    #expect(!FileManager.default.fileExists(atPath: "\(ipam)/10.244.1.200"), "host-local released it on GC")
                })
            // A veth carrying our alias for an attachment without cached result: GC deletes it.
            try expectFinding(c, "veth-stale", about: "swcni:\(VxlanCluster.network)/ghost/eth0",
                inject: {
                    try n1.ns.run(["ip", "link", "add", "vethdeadbeef", "type", "veth", "peer", "name", "vethdeadpeer"])
                    try n1.ns.run(["ip", "link", "set", "vethdeadbeef", "alias", "swcni:\(VxlanCluster.network)/ghost/eth0"])
                },
                repair: {
                    let gc = try c.cnictl(n1, ["gc"])
                    #expect(gc.status == 0, "\(gc.summary)")
                })

            // A pod whose namespace vanished without DEL: named, and `cnictl gc` (the fix
            // doctor gives) clears it.
            let (gone, _, _) = try c.addPod(n1, id: "doc-gone")
            try expectFinding(c, "cache-netns-gone", about: gone.path,
                inject: { gone.remove() },
                repair: {
                    let gc = try c.cnictl(n1, ["gc"])
                    #expect(gc.status == 0, "\(gc.summary)")
                })
        }
    }
}
