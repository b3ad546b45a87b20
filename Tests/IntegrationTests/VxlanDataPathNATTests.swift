import Foundation
import Testing

/// The eBPF data path and the node's NAT: a flow that a node's conntrack NATs (a service
/// DNAT on the client's node, a hostPort-style DNAT on the server's node) must pass that
/// node's conntrack in both directions, so its replies take the kernel path there even
/// though the pods are on the fast path.
@Suite("vxlan eBPF data path and NAT", .enabled(if: TestEnvironment.canRunNetNSTests))
struct VxlanDataPathNATTests {
    static let two = ["192.168.61.11/24", "192.168.61.12/24"]
    static let podnet = PodNet.script

    /// Both nodes run the eBPF data path (dataPath ebpf fails the ADD otherwise).
    func ebpfCluster(_ body: (VxlanCluster, (TestNamespace, String), (TestNamespace, String)) throws -> Void) throws {
        try VxlanCluster.with(underlayIPs: Self.two, vxlanOptions: "\"dataPath\": \"ebpf\"") { c in
            let (podA, ipA, _) = try c.addPod(c.nodes[0], id: "nat-a")
            let (podB, ipB, _) = try c.addPod(c.nodes[1], id: "nat-b")
            for node in c.nodes {
                let filters = try node.ns.run(["tc", "filter", "show", "dev", "vxlan.1", "ingress"])
                #expect(filters.contains("swcni_datapath"), "\(node.name): \(filters)")
            }
            try body(c, (podA, ipA), (podB, ipB))
        }
    }

    @Test func serviceDNATOnTheClientsNodeAnswersFromTheServiceAddress() throws {
        try ebpfCluster { c, a, b in
            // kube-proxy style: node1 DNATs a virtual address to the pod on node2.
            try c.nodes[0].ns.run([
                "nft",
                "add table ip swcnitest_svc; add chain ip swcnitest_svc pre { type nat hook prerouting priority dstnat; }; add rule ip swcnitest_svc pre ip daddr 10.96.0.10 tcp dport 7777 dnat to \(b.1):7777",
            ])
            try PodNet.withServer(in: b.0) {
                // The reply reaches node1 from node2's pod; only node1's conntrack turns its
                // source back into 10.96.0.10, without which the client's socket rejects it.
                let seen = try a.0.run(["python3", Self.podnet, "tcp", "10.96.0.10"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == a.1, "the server saw \(seen)")
                // Pod to pod directly still works (and takes the fast path).
                let direct = try a.0.run(["python3", Self.podnet, "tcp", b.1]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(direct == a.1)
            }
        }
    }

    @Test func dnatOnTheServersNodeAnswersFromTheNodeAddress() throws {
        try ebpfCluster { c, a, b in
            // hostPort style: node2 DNATs its own underlay address to its pod; the pod's reply
            // to node1's pod must pass node2's conntrack (un-DNAT) before it is encapsulated.
            try c.nodes[1].ns.run([
                "nft",
                "add table ip swcnitest_hp; add chain ip swcnitest_hp pre { type nat hook prerouting priority dstnat; }; add rule ip swcnitest_hp pre ip daddr 192.168.61.12 tcp dport 7777 dnat to \(b.1):7777",
            ])
            try PodNet.withServer(in: b.0) {
                let seen = try a.0.run(["python3", Self.podnet, "tcp", "192.168.61.12"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == a.1, "the server saw \(seen)")
            }
        }
    }
}
