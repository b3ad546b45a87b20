import Foundation
import Testing

/// Pods attached through the conflist bridge + host-local, then vxlan chained, with cnictl
/// inside node namespaces: MTU applied and reported, DEL of the last pod, CHECK of the
/// chained vxlan, cross-node TCP carrying the sender pod's address, direct routing.
@Suite("vxlan pods across nodes", .enabled(if: TestEnvironment.canRunNetNSTests))
struct VxlanPodTests {
    static let two = ["192.168.60.11/24", "192.168.60.12/24"]
    static let podnet = PodNet.script

    func mtu(_ ns: TestNamespace, _ ifname: String) throws -> Int? { try ns.link(ifname)?["mtu"] as? Int }

    @Test func overlayMTUFollowsTheUnderlayAndIsReported() throws {
        try VxlanCluster.with(underlayIPs: Self.two, mtu: 9000) { c in
            let n1 = c.nodes[0]
            let (pod, _, result) = try c.addPod(n1, id: "mtu-pod")
            #expect(try mtu(pod, "eth0") == 8950)
            #expect(try c.vtep(n1)?["mtu"] as? Int == 8950)
            let interfaces = result["interfaces"] as? [[String: Any]] ?? []
            #expect(!interfaces.isEmpty)
            for interface in interfaces {
                #expect(interface["mtu"] as? Int == 8950, "\(interface)")
                let name = try #require(interface["name"] as? String)
                let actual = interface["sandbox"] != nil ? try mtu(pod, name) : try mtu(n1.ns, name)
                #expect(actual == 8950, "\(name)")
            }
            // An explicit mtu wins over the derived one.
            try c.writeConflist(n1, vxlanOptions: "\"mtu\": 1300")
            let (pod2, _, _) = try c.addPod(n1, id: "mtu-pod-2")
            #expect(try mtu(pod2, "eth0") == 1300)
            #expect(try c.vtep(n1)?["mtu"] as? Int == 1300)
        }
    }

    @Test func delOfTheLastPodLeavesTheNodeProgrammed() throws {
        try VxlanCluster.with(underlayIPs: Self.two) { c in
            let n1 = c.nodes[0]
            let (pod, _, _) = try c.addPod(n1, id: "only-pod")
            let fdb = try c.fdb(n1)
            let routes = try c.routes(n1)
            #expect(fdb.count == 1 && routes.count == 1)
            for _ in 1...2 {
                let del = try c.cnictl(n1, ["del", pod.path, "--container-id", "only-pod"])
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect((try? pod.link("eth0")) ?? nil == nil, "the pod's interface is gone")
            #expect(try c.vtep(n1) != nil, "the VTEP is node infrastructure and stays")
            #expect(try c.fdb(n1) == fdb)
            #expect(try c.routes(n1) == routes)
            #expect(try n1.ns.run(["nft", "list", "table", "inet", "swcni_vxlan"]).contains("accept"))
        }
    }

    @Test func checkOfTheChainedVxlanSeesBrokenNodeState() throws {
        try VxlanCluster.with(underlayIPs: Self.two) { c in
            let n1 = c.nodes[0]
            let (pod, _, _) = try c.addPod(n1, id: "check-pod")
            let healthy = try c.cnictl(n1, ["check", pod.path, "--container-id", "check-pod"])
            #expect(healthy.status == 0, "\(healthy.summary)")

            try n1.ns.run(["ip", "neigh", "del", "10.244.2.0", "dev", "vxlan.1"])
            let broken = try c.cnictl(n1, ["check", pod.path, "--container-id", "check-pod"])
            #expect(broken.status != 0)
            #expect(broken.stdout.contains("missing neighbour 10.244.2.0"), "\(broken.summary)")

            #expect(try c.cnictl(n1, ["reconcile-peers"]).status == 0)
            #expect(try c.cnictl(n1, ["check", pod.path, "--container-id", "check-pod"]).status == 0)

            try pod.run(["ip", "link", "set", "eth0", "mtu", "1500"])
            let mtu = try c.cnictl(n1, ["check", pod.path, "--container-id", "check-pod"])
            #expect(mtu.status != 0)
            #expect(mtu.stdout.contains("not the overlay MTU 1450"), "\(mtu.summary)")
        }
    }

    @Test func crossNodeTCPCarriesTheSenderPodsAddress() throws {
        // ipMasq is on: it must never apply pod-to-pod, only to traffic leaving the cluster.
        try VxlanCluster.with(underlayIPs: Self.two, vxlanOptions: "\"ipMasq\": true") { c in
            let (podA, ipA, _) = try c.addPod(c.nodes[0], id: "pod-a")
            let (podB, ipB, _) = try c.addPod(c.nodes[1], id: "pod-b")
            // Count VXLAN (UDP 4789) where the underlay switches it between the nodes.
            try c.countUnderlayUDP(port: 4789)
            try PodNet.withServer(in: podB) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA, "node2's pod saw \(seen), node1's pod is \(ipA)")
            }
            try PodNet.withServer(in: podA) {
                let seen = try podB.run(["python3", Self.podnet, "tcp", ipA]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipB)
                // The largest packet with DF crosses; one byte more is refused locally.
                #expect(try podB.run(["python3", Self.podnet, "df", ipA, "1422"]).hasPrefix("ok 1450"))
                let over = try Shell.run(["ip", "netns", "exec", podB.name, "python3", Self.podnet, "df", ipA, "1423"])
                #expect(over.status != 0 && over.stdout.hasPrefix("fail"))
            }
            // Leaving the cluster CIDR (to node2's own underlay address) is masqueraded to node1's.
            let ruleset = try c.nodes[0].ns.run(["nft", "list", "chain", "inet", "swcni_vxlan", "postrouting"])
            #expect(ruleset.contains("ip saddr 10.244.1.0/24 ip daddr != { 10.244.0.0/16, 224.0.0.0/4 }"), "\(ruleset)")
            try PodNet.withServer(in: c.nodes[1].ns) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", "192.168.60.12"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == "192.168.60.11")
            }
            // The underlay carried the pod traffic as VXLAN (UDP 4789) between the node
            // addresses (written by the kernel VTEP or by the eBPF data path).
            let packets = try c.underlayUDPPackets()
            #expect(packets > 4, "\(packets) VXLAN packets on the underlay")
        }
    }

    @Test func directRoutingUsesTheUnderlayForSameSubnetPeers() throws {
        // node3 is on another subnet of the same wire: reachable only through VXLAN.
        try VxlanCluster.with(underlayIPs: ["192.168.70.11/24", "192.168.70.12/24", "192.168.71.13/24"], vxlanOptions: "\"directRouting\": true") { c in
            let n1 = c.nodes[0]
            try n1.ns.run(["ip", "route", "add", "192.168.71.0/24", "dev", "eth0"])
            try c.nodes[2].ns.run(["ip", "route", "add", "192.168.70.0/24", "dev", "eth0"])
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            #expect(try c.routes(n1) == [
                "10.244.2.0/24 via 192.168.70.12 dev eth0",
                "10.244.3.0/24 via 10.244.3.0 dev vxlan.1 onlink",
            ])
            #expect(try c.fdb(n1) == ["\(VxlanCluster.derivedMAC(vni: 1, underlayIP: "192.168.71.13")) 192.168.71.13"])
            #expect(try c.neighbours(n1).count == 1)

            let (podB, ipB, _) = try c.addPod(c.nodes[1], id: "pod-b")
            try PodNet.withServer(in: podB) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA)
            }
            let (podC, ipC, _) = try c.addPod(c.nodes[2], id: "pod-c")
            try PodNet.withServer(in: podC) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipC]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA)
            }

            // Turning direct routing off moves node2 back onto VXLAN.
            try c.writeConflist(n1)
            #expect(try c.cnictl(n1, ["reconcile-peers"]).status == 0)
            #expect(try c.routes(n1) == [
                "10.244.2.0/24 via 10.244.2.0 dev vxlan.1 onlink",
                "10.244.3.0/24 via 10.244.3.0 dev vxlan.1 onlink",
            ])
        }
    }
}

/// Many pods added at once on one node: the node lock serialises the reconcile, so every ADD
/// succeeds and the node ends with one VTEP and one set of peer entries.
@Suite("vxlan concurrent ADDs", .enabled(if: TestEnvironment.canRunNetNSTests))
struct VxlanConcurrencyTests {
    @Test func concurrentAddsShareOneVtep() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.80.11/24", "192.168.80.12/24", "192.168.80.13/24"]) { c in
            let n1 = c.nodes[0]
            let pods = try (0..<8).map { _ in try c.newPod() }
            let failures = VxlanLocked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: pods.count) { i in
                do {
                    let out = try c.cnictl(n1, ["add", pods[i].path, "--container-id", "par-\(i)"])
                    if out.status != 0 { failures.mutate { $0.append(out.summary) } }
                } catch {
                    failures.mutate { $0.append("\(error)") }
                }
            }
            #expect(failures.value.isEmpty, "\(failures.value)")
            let links = try n1.ns.run(["ip", "-o", "link", "show", "type", "vxlan"]).split(separator: "\n")
            #expect(links.count == 1)
            #expect(try c.fdb(n1).count == 2)
            #expect(try c.routes(n1).count == 2)
            for pod in pods { #expect(try pod.link("eth0")?["mtu"] as? Int == 1450) }
        }
    }
}

final class VxlanLocked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func mutate(_ body: (inout Value) -> Void) { lock.lock(); defer { lock.unlock() }; body(&stored) }
}
