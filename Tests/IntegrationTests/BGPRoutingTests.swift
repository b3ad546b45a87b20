import Foundation
import Testing

/// Routing mode bgp end to end: two nodes on different L2 segments, a router running BIRD as
/// their route reflector, each node's BIRD driven by the vxlan plugin (configuration written,
/// reloaded over the control socket), pods added through the real bridge + host-local + vxlan.
@Suite("vxlan routing bgp through BIRD", .enabled(if: TestEnvironment.canRunNetNSTests && (BirdProcess.available || TestEnvironment.isCI)))
struct BGPRoutingTests {
    static let podnet = PodNet.script

    @Test func podsReachEachOtherAcrossL3WithoutEncapsulation() throws {
        try BGPCluster.with { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            // Before BIRD runs: the reconcile writes its configuration, STATUS says it is down.
            for node in c.nodes {
                let reconcile = try c.cnictl(node, ["reconcile-peers"])
                #expect(reconcile.status == 0, "\(reconcile.summary)")
                #expect(reconcile.stderr.contains("BIRD is not running"), "\(reconcile.summary)")
                #expect(FileManager.default.fileExists(atPath: node.birdConfig))
            }
            let down = try c.cnictl(n1, ["status"])
            #expect(down.status != 0)
            #expect(down.json?["code"] as? Int == 50, "\(down.summary)")
            #expect((down.json?["msg"] as? String ?? "").contains("BIRD is not running"), "\(down.summary)")

            // BIRD starts on the written file, as its service manager would.
            for node in c.nodes { try node.bird.start() }
            let ready = try c.eventually(within: 15) { try c.cnictl(n1, ["status"]).status == 0 && c.cnictl(n2, ["status"]).status == 0 }
            #expect(ready, "sessions did not come up: \(String(describing: try? c.cnictl(n1, ["status"]).summary))")

            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            // Nothing is encapsulated: the pods get the underlay's MTU, and it is reported.
            #expect(try podA.link("eth0")?["mtu"] as? Int == 1500)
            #expect((resultA["interfaces"] as? [[String: Any]] ?? []).allSatisfy { $0["mtu"] as? Int == 1500 }, "\(resultA)")
            // No VXLAN entries for BGP-routed peers; BIRD's routes, recognisable by proto and metric.
            let vxlan = VxlanObservation(ns: n1.ns)
            #expect(try vxlan.fdb().isEmpty && vxlan.neighbours().isEmpty)
            let learned = try c.eventually(within: 10) {
                try c.birdRoutes(n1) == ["10.244.2.0/24 via \(n1.routerIP) dev eth0 metric 64"]
                    && c.birdRoutes(n2) == ["10.244.1.0/24 via \(n2.routerIP) dev eth0 metric 64"]
            }
            #expect(learned, "node1: \(String(describing: try? c.birdRoutes(n1))), node2: \(String(describing: try? c.birdRoutes(n2)))")

            try c.countRouterTraffic()
            try PodNet.withServer(in: podB) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA, "node2's pod saw \(seen), node1's pod is \(ipA)")
            }
            try PodNet.withServer(in: podA) {
                let seen = try podB.run(["python3", Self.podnet, "tcp", ipA]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipB)
            }
            let traffic = try c.routerTraffic()
            #expect(traffic.vxlan == 0, "\(traffic.vxlan) VXLAN packets crossed the router")
            #expect(traffic.pods > 4, "\(traffic.pods) pod-to-pod packets routed by the router")

            // cnictl bgp status: the session, Established, one route each way.
            let status = try c.cnictl(n1, ["bgp", "status", "--json"])
            #expect(status.status == 0, "\(status.summary)")
            let sessions = status.json?["sessions"] as? [[String: Any]] ?? []
            #expect(sessions.count == 1, "\(status.stdout)")
            #expect(sessions.first?["name"] as? String == "rr_192_168_61_1")
            #expect(sessions.first?["state"] as? String == "Established")
            #expect(sessions.first?["routesImported"] as? Int == 1 && sessions.first?["routesExported"] as? Int == 1, "\(status.stdout)")
            let text = try c.cnictl(n1, ["bgp", "status"])
            #expect(text.status == 0 && text.stdout.contains("rr_192_168_61_1") && text.stdout.contains("Established"), "\(text.summary)")
            #expect(text.stdout.contains("routes: "), "\(text.stdout)")

            // Reconciling again leaves BIRD's file alone (nothing changed, nothing reloaded).
            let before = try FileManager.default.attributesOfItem(atPath: n1.birdConfig)[.systemFileNumber] as? Int
            let again = try c.cnictl(n1, ["reconcile-peers"])
            #expect(again.status == 0 && again.stderr.contains("bird.conf unchanged, 1 BGP session"), "\(again.summary)")
            #expect(try FileManager.default.attributesOfItem(atPath: n1.birdConfig)[.systemFileNumber] as? Int == before)

            // CHECK sees a BIRD file that is not the rendered one; a reconcile restores it.
            #expect(try c.cnictl(n1, ["check", podA.path, "--container-id", "pod-a"]).status == 0)
            let good = try String(contentsOfFile: n1.birdConfig, encoding: .utf8)
            try (good + "# edited\n").write(toFile: n1.birdConfig, atomically: true, encoding: .utf8)
            let check = try c.cnictl(n1, ["check", podA.path, "--container-id", "pod-a"])
            #expect(check.status != 0 && check.stdout.contains("differs from the one this node list renders"), "\(check.summary)")
            #expect(try c.cnictl(n1, ["reconcile-peers"]).status == 0)
            #expect(try String(contentsOfFile: n1.birdConfig, encoding: .utf8) == good)
            #expect(try c.cnictl(n1, ["check", podA.path, "--container-id", "pod-a"]).status == 0)

            // node2's BIRD dies: its CIDR is withdrawn from node1 within the hold time.
            n2.bird.stop(signal: SIGKILL)
            let withdrawn = try c.eventually(within: Double(BGPCluster.holdTime) + 2) { try c.birdRoutes(n1).isEmpty }
            #expect(withdrawn, "node1 still routes \(String(describing: try? c.birdRoutes(n1)))")
            let dead = try c.cnictl(n2, ["status"])
            #expect(dead.json?["code"] as? Int == 50 && (dead.json?["msg"] as? String ?? "").contains("BIRD is not running"), "\(dead.summary)")
            // Restarted, it announces again.
            try n2.bird.start()
            let back = try c.eventually(within: 15) { try c.birdRoutes(n1) == ["10.244.2.0/24 via \(n1.routerIP) dev eth0 metric 64"] }
            #expect(back, "node1 routes \(String(describing: try? c.birdRoutes(n1)))")
        }
    }

    /// The router (a trusted reflector, misconfigured) announces a default route, a node
    /// address, a prefix outside the cluster, node1's own CIDR, a more specific of node2's
    /// CIDR and an unassigned CIDR inside the cluster: node1's import filter keeps none of
    /// them, only node2's real CIDR.
    @Test func importFilterRejectsAHijack() throws {
        let hijack = """
            protocol static hijack {
              ipv4;
              route 0.0.0.0/0 blackhole;
              route 192.168.62.12/32 blackhole;
              route 10.99.0.0/16 blackhole;
              route 10.244.1.0/24 blackhole;
              route 10.244.2.128/25 blackhole;
              route 10.244.9.0/24 blackhole;
            }

            """
        try BGPCluster.with(routerExtra: hijack) { c in
            let n1 = c.nodes[0]
            for node in c.nodes {
                #expect(try c.cnictl(node, ["reconcile-peers"]).status == 0)
                try node.bird.start()
            }
            let learned = try c.eventually(within: 15) { try c.birdRoutes(n1) == ["10.244.2.0/24 via \(n1.routerIP) dev eth0 metric 64"] }
            #expect(learned, "node1 routes \(String(describing: try? c.birdRoutes(n1)))")
            // Give the router's announcements time to arrive, then look at what node1's BIRD kept.
            usleep(1_500_000)
            #expect(try c.birdRoutes(n1) == ["10.244.2.0/24 via \(n1.routerIP) dev eth0 metric 64"])
            let fromReflector = try n1.bird.command("show route protocol rr_192_168_61_1")
            let prefixes = fromReflector.split(separator: "\n").compactMap { line -> String? in
                let first = line.split(separator: " ").first.map(String.init) ?? ""
                return first.contains("/") ? first : nil
            }
            #expect(prefixes == ["10.244.2.0/24"], "\(fromReflector)")
            // The router did offer them (they are in its table, exported to node1's session).
            let offered = try c.routerBird.command("show route export node1")
            for prefix in ["0.0.0.0/0", "192.168.62.12/32", "10.99.0.0/16", "10.244.1.0/24", "10.244.2.128/25", "10.244.9.0/24"] {
                #expect(offered.contains(prefix), "router does not offer \(prefix): \(offered)")
            }
            #expect(try c.cnictl(n1, ["status"]).status == 0)

            // The reflector goes away: node1's BIRD runs, but its required session is down.
            c.routerBird.stop(signal: SIGKILL)
            var last = PluginExec.Output(status: 0, stdout: "", stderr: "")
            let reported = try c.eventually(within: Double(BGPCluster.holdTime) + 3) {
                last = try c.cnictl(n1, ["status"])
                return last.json?["code"] as? Int == 50
            }
            #expect(reported, "\(last.summary)")
            let msg = last.json?["msg"] as? String ?? ""
            #expect(msg.contains("BGP session rr_192_168_61_1 to route reflector 192.168.61.1 is") && msg.contains("not Established"), "\(msg)")
        }
    }
}

/// The VTEP's FDB and neighbour entries in a namespace (the routing mode must create none).
struct VxlanObservation {
    let ns: TestNamespace
    var device = "vxlan.1"

    func fdb() throws -> [Any] {
        try Shell.json(["ip", "netns", "exec", ns.name, "bridge", "-j", "fdb", "show", "dev", device]) as? [Any] ?? []
    }

    func neighbours() throws -> [Any] {
        try Shell.json(["ip", "-n", ns.name, "-j", "neigh", "show", "dev", device]) as? [Any] ?? []
    }
}
