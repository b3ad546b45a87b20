import Foundation
import Testing

/// Routing mode bgp with the default full mesh: three nodes on one L2 underlay, each node's
/// BIRD peering with the other two (no router, no reflector).
@Suite("vxlan routing bgp, full mesh", .enabled(if: TestEnvironment.canRunNetNSTests && (BirdProcess.available || TestEnvironment.isCI)))
struct BGPMeshTests {
    static let podnet = PodNet.script

    static func bird(_ c: VxlanCluster, _ node: VxlanCluster.Node) -> BirdProcess {
        BirdProcess(
            namespace: node.ns.name, config: "\(c.dir)/\(node.name)/bird.conf", socket: "\(c.dir)/\(node.name)/bird.ctl",
            pidFile: "\(c.dir)/\(node.name)/bird.pid")
    }

    static func routing(_ bird: BirdProcess) -> String {
        """
        "routing": {"mode": "bgp", "holdTime": 3, "connectRetryTime": 1, "gracefulRestart": false,
                    "birdConfig": "\(bird.config)", "birdSocket": "\(bird.socket)"}
        """
    }

    static func routes(_ node: VxlanCluster.Node) throws -> Set<String> {
        let entries = try Shell.json(["ip", "-n", node.ns.name, "-j", "route", "show", "proto", "bird"]) as? [[String: Any]] ?? []
        return Set(entries.map { "\($0["dst"] as? String ?? "?") via \($0["gateway"] as? String ?? "-")" })
    }

    static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(100_000)
        } while Date() < deadline
        return try condition()
    }

    @Test func meshRoutesPodsAndDropsAPeerAnnouncingAnotherNodesCIDR() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.90.11/24", "192.168.90.12/24", "192.168.90.13/24"]) { c in
            let birds = c.nodes.map { Self.bird(c, $0) }
            defer { birds.forEach { $0.stop(signal: SIGKILL) } }
            for (node, bird) in zip(c.nodes, birds) {
                try c.writeConflist(node, vxlanOptions: Self.routing(bird))
                #expect(try c.cnictl(node, ["reconcile-peers"]).status == 0)
                try bird.start()
            }
            let (n1, n2, n3) = (c.nodes[0], c.nodes[1], c.nodes[2])
            let converged = try Self.eventually(within: 15) {
                try Self.routes(n1) == ["10.244.2.0/24 via 192.168.90.12", "10.244.3.0/24 via 192.168.90.13"]
                    && Self.routes(n2) == ["10.244.1.0/24 via 192.168.90.11", "10.244.3.0/24 via 192.168.90.13"]
            }
            #expect(converged, "node1: \(String(describing: try? Self.routes(n1)))")
            // Mesh sessions are not required: STATUS passes with them up (and would without).
            #expect(try c.cnictl(n1, ["status"]).status == 0)

            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (podC, ipC, _) = try c.addPod(n3, id: "pod-c")
            #expect(try c.fdb(n1).isEmpty && c.neighbours(n1).isEmpty)
            try c.countUnderlayUDP(port: 4789)
            try PodNet.withServer(in: podC) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipC]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA)
            }
            #expect(try c.underlayUDPPackets() == 0, "VXLAN crossed the underlay")

            // node3 (misconfigured by hand) also announces node2's CIDR and a default route:
            // node1 takes from mesh_node3 only node3's own CIDR.
            var text = try String(contentsOfFile: birds[2].config, encoding: .utf8)
            // BIRD wants a filter defined before the protocols that use it.
            let hijack = """
                filter hijack_export { if proto = "hijack" then accept; if source = RTS_STATIC && net ~ [ 10.244.3.0/24 ] then accept; reject; }
                protocol static hijack { ipv4; route 10.244.2.0/25 blackhole; route 0.0.0.0/0 blackhole; route 10.244.9.0/24 blackhole; }

                """
            let firstProtocol = try #require(text.range(of: "\nprotocol "))
            text.insert(contentsOf: "\n" + hijack, at: firstProtocol.lowerBound)
            text = text.replacingOccurrences(of: "export filter swcni_export4;", with: "export filter hijack_export;")
            try text.write(toFile: birds[2].config, atomically: true, encoding: .utf8)
            let reconfigured = try Shell.run(["ip", "netns", "exec", n3.ns.name, "birdc", "-s", birds[2].socket, "configure"])
            #expect(reconfigured.stdout.contains("Reconfigured"), "\(reconfigured.stdout)\(reconfigured.stderr)")
            let offered = try Self.eventually(within: 5) {
                let exported = try birds[2].command("show route export mesh_node1")
                return exported.contains("10.244.2.0/25") && exported.contains("0.0.0.0/0")
            }
            #expect(offered, "node3 does not offer the hijack: \(String(describing: try? birds[2].command("show route export mesh_node1")))")
            usleep(1_000_000)
            let fromNode3 = try birds[0].command("show route protocol mesh_node3")
            let prefixes = fromNode3.split(separator: "\n").compactMap { line -> String? in
                let first = line.split(separator: " ").first.map(String.init) ?? ""
                return first.contains("/") ? first : nil
            }
            #expect(prefixes == ["10.244.3.0/24"], "\(fromNode3)")
            #expect(try Self.routes(n1) == ["10.244.2.0/24 via 192.168.90.12", "10.244.3.0/24 via 192.168.90.13"])
        }
    }
}
