import Foundation
import NetNS
import Netlink
import Testing
import VxlanDataPath

/// The vxlan plugin's eBPF data path (Sources/CVxlanDataPath/bpf/vxlan_datapath.bpf.c), observed from outside:
/// where the tc filter sits (`tc filter show`), what the pod map holds (`bpftool map
/// dump`), which devices traffic crosses (interface counters) and what the underlay
/// carries (an nftables counter on the underlay bridge). Two-node clusters of namespaces
/// as in VxlanPodTests; the real binaries run inside the node namespaces.
@Suite("vxlan eBPF data path", .enabled(if: TestEnvironment.canRunNetNSTests))
struct VxlanDataPathTests {
    static let podnet = VxlanPodTests.podnet
    /// Frames a device on the kernel path may still see while a transfer takes the data
    /// path: ARP/ND and the like, never the transfer itself (`bulkBytes` is at least
    /// `bulkBytes / 65_536` = 305 packets even as GSO/GRO super-packets).
    static let background = 20
    static let bulkBytes = 20_000_000

    // MARK: Cases

    @Test func addAttachesOneProgramAndCrossNodeTrafficBypassesBridgeAndVtep() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.61.11/24", "192.168.61.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, resultB) = try c.addPod(n2, id: "pod-b")

            // One program instance per node, on the VTEP, the underlay device and the pod's veth.
            for (node, result) in [(n1, resultA), (n2, resultB)] {
                let veth = try #require(Self.hostVeth(result))
                let onVtep = try #require(try Self.programID(node.ns, "vxlan.1"), "\(node.name): no filter on the VTEP")
                #expect(try Self.programID(node.ns, "eth0") == onVtep, "\(node.name): underlay")
                #expect(try Self.programID(node.ns, veth) == onVtep, "\(node.name): pod veth \(veth)")
                #expect(try Self.programID(node.ns, "cni0") == nil, "the bridge carries no filter")
                #expect(try Set(Self.filteredDevices(node.ns).keys) == ["vxlan.1", "eth0", veth])
                // The maps have the sizes of the C structs (DataPathLayout mirrors them).
                let maps = try Self.maps(ofProgram: onVtep)
                #expect(maps["swcni_pods"]?.sizes == [16, 20, 16384])
                #expect(maps["swcni_peers"]?.sizes == [20, 12, 4096])
                #expect(maps["swcni_node"]?.sizes == [4, 24, 1])
            }
            #expect(try Self.podAddresses(c.nodes[0].ns) == [ipA])
            #expect(try Self.podAddresses(c.nodes[1].ns) == [ipB])

            try PodNet.expectSourcesSeen((podA, ipA), (podB, ipB))

            // A bulk transfer A -> B: encapsulated and decapsulated in BPF, so neither the
            // bridges nor the VTEPs see it; the underlay carries it as VXLAN (UDP 4789).
            try c.countUnderlayUDP(port: 4789)
            let watched = [(n1, "cni0"), (n2, "cni0"), (n1, "vxlan.1"), (n2, "vxlan.1")]
            let before = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            let after = try watched.map { try Self.counters($0.0.ns, $0.1) }
            Self.expectQuiet(watched, before, after)
            let vxlan = try c.underlayUDPBytes()
            #expect(vxlan > Self.bulkBytes, "UDP 4789 bytes on the underlay: \(vxlan)")
        }
    }

    @Test func ebpfNodeAndKernelNodeInteroperate() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.62.11/24", "192.168.62.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            try c.writeConflist(n1, vxlanOptions: #""dataPath": "ebpf""#)
            try c.writeConflist(n2, vxlanOptions: #""dataPath": "kernel""#)
            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")

            let veth = try #require(Self.hostVeth(resultA))
            #expect(try Set(Self.filteredDevices(n1.ns).keys) == ["vxlan.1", "eth0", veth])
            #expect(try Self.filteredDevices(n2.ns).isEmpty, "a kernel node has no filter of ours")

            try PodNet.expectSourcesSeen((podA, ipA), (podB, ipB))
            // Bulk both ways: BPF encapsulation is understood by the kernel VTEP and back.
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            #expect(try bulk(c, from: podB, to: podA, ipA) == Self.bulkBytes)
            #expect(try Self.filteredDevices(n2.ns).isEmpty)
        }
    }

    @Test func switchingToKernelRemovesTheFilterAndBackReattaches() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.63.11/24", "192.168.63.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            let veth = try #require(Self.hostVeth(resultA))
            #expect(try Set(Self.filteredDevices(n1.ns).keys) == ["vxlan.1", "eth0", veth])

            try c.writeConflist(n1, vxlanOptions: #""dataPath": "kernel""#)
            let toKernel = try c.cnictl(n1, ["reconcile-peers"])
            #expect(toKernel.status == 0, "\(toKernel.summary)")
            #expect(try Self.filteredDevices(n1.ns).isEmpty, "no filter of ours left on node1")
            try PodNet.withServer(in: podB) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA, "the kernel path carries the pod's traffic")
            }
            // A pod added while the node is on the kernel path gets no filter either.
            let (_, _, resultC) = try c.addPod(n1, id: "pod-c")
            #expect(try Self.filteredDevices(n1.ns).isEmpty, "\(Self.hostVeth(resultC) ?? "?")")

            try c.writeConflist(n1)
            let back = try c.cnictl(n1, ["reconcile-peers"])
            #expect(back.status == 0, "\(back.summary)")
            let id = try #require(try Self.programID(n1.ns, "vxlan.1"), "the VTEP carries the program again")
            #expect(try Self.programID(n1.ns, "eth0") == id)
            // Pods added afterwards join it; the earlier pods keep working (kernel path).
            let (podD, ipD, resultD) = try c.addPod(n1, id: "pod-d")
            let vethD = try #require(Self.hostVeth(resultD))
            #expect(try Self.programID(n1.ns, vethD) == id)
            try PodNet.withServer(in: podB) {
                for (pod, ip) in [(podA, ipA), (podD, ipD)] {
                    let seen = try pod.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                    #expect(seen == ip)
                }
            }
        }
    }

    @Test func delRemovesThePodAndAVanishedVethIsPrunedOnTheNextAdd() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.64.11/24", "192.168.64.12/24"]) { c in
            let n1 = c.nodes[0]
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (_, ipB, _) = try c.addPod(n1, id: "pod-b")
            #expect(try Self.podAddresses(n1.ns) == [ipA, ipB])

            for _ in 1...2 {
                let del = try c.cnictl(n1, ["del", podA.path, "--container-id", "pod-a"])
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect(try Self.podAddresses(n1.ns) == [ipB])

            // pod-c's veth disappears without a DEL (its node-side end deleted).
            let (_, ipC, resultC) = try c.addPod(n1, id: "pod-c")
            #expect(try Self.podAddresses(n1.ns) == [ipB, ipC])
            let vethC = try #require(Self.hostVeth(resultC))
            try n1.ns.run(["ip", "link", "del", vethC])
            let (_, ipD, _) = try c.addPod(n1, id: "pod-d")
            #expect(try Self.podAddresses(n1.ns) == [ipB, ipD], "pod-c (\(ipC)) was pruned")
        }
    }

    @Test func samePodToPodTrafficIsDeliveredDirectly() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.65.11/24", "192.168.65.12/24"]) { c in
            let n1 = c.nodes[0]
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, resultB) = try c.addPod(n1, id: "pod-b")
            let vethB = try #require(Self.hostVeth(resultB))
            #expect(try Self.programID(n1.ns, vethB) == Self.programID(n1.ns, "vxlan.1"))
            try PodNet.expectSourcesSeen((podA, ipA), (podB, ipB))
            // Redirected into B's namespace from A's veth: the bridge never forwards it to
            // B's host veth, whose transmit counter stays put.
            let before = try Self.counters(n1.ns, vethB)
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            let after = try Self.counters(n1.ns, vethB)
            #expect(after.tx - before.tx < Self.background, "\(vethB) tx +\(after.tx - before.tx) packets")
        }
    }

    @Test func recreatedVtepGetsANewInstanceThatAdoptsEarlierPods() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.66.11/24", "192.168.66.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            let veth = try #require(Self.hostVeth(resultA))
            let oldID = try #require(try Self.programID(n1.ns, "vxlan.1"))
            let oldIndex = try #require(try n1.ns.link("vxlan.1")?["ifindex"] as? Int)

            // A new UDP port recreates the VTEPs (on both nodes, so they still agree).
            for node in [n1, n2] {
                try c.writeConflist(node, vxlanOptions: #""port": 8472"#)
                let out = try c.cnictl(node, ["reconcile-peers"])
                #expect(out.status == 0, "\(out.summary)")
            }
            let newIndex = try #require(try n1.ns.link("vxlan.1")?["ifindex"] as? Int)
            #expect(newIndex != oldIndex, "the VTEP was recreated")
            let newID = try #require(try Self.programID(n1.ns, "vxlan.1"))
            #expect(newID != oldID, "a new program instance")
            #expect(try Self.programID(n1.ns, "eth0") == newID)
            #expect(try Self.programID(n1.ns, veth) == newID, "the earlier pod's veth moved to the new instance")
            #expect(try Self.podAddresses(n1.ns) == [ipA], "the earlier pod's entry was copied")

            try PodNet.expectSourcesSeen((podA, ipA), (podB, ipB))
            // Still on the data path, now on the new port.
            try c.countUnderlayUDP(port: 8472)
            let before = try Self.counters(n1.ns, "vxlan.1")
            #expect(try bulk(c, from: podB, to: podA, ipA) == Self.bulkBytes)
            let after = try Self.counters(n1.ns, "vxlan.1")
            #expect(after.rx - before.rx < Self.background, "node1's VTEP rx +\(after.rx - before.rx) packets")
            #expect(try c.underlayUDPBytes() > Self.bulkBytes)
        }
    }

    @Test func policyMarkedPodTakesTheKernelPathBothWays() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.67.11/24", "192.168.67.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (_, ipA2, _) = try c.addPod(n1, id: "pod-a2")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            let node1 = NetworkNamespace(path: n1.ns.path)
            let address = try #require(InetAddress(ipA))

            // NetworkPolicy's hook (as `cnictl policy apply` calls it in the node's namespace).
            #expect(try node1.run { try DataPathPolicyMarks.apply(isolated: [address]) } == 1)
            #expect(try node1.run { try DataPathPolicyMarks.marked() } == [address])
            #expect(try node1.run { try DataPathPolicyMarks.apply(isolated: [address]) } == 0, "idempotent")
            #expect(try Self.podAddresses(n1.ns) == [ipA, ipA2], "marked, not removed")
            try PodNet.withServer(in: podB) {
                let seen = try podA.run(["python3", Self.podnet, "tcp", ipB]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipA)
            }

            // Marked: both directions of A's traffic cross node1's bridge and VTEP (where
            // nftables sees them); node2's unmarked pod still takes the data path there.
            // Every packet carries at most 64 KiB, so the transfer is at least this many.
            let packets = Self.bulkBytes / 65_536
            let watched = [(n1, "cni0"), (n1, "vxlan.1"), (n2, "cni0"), (n2, "vxlan.1")]
            var before = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            var after = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(after[0].rx - before[0].rx >= packets, "node1 cni0 rx +\(after[0].rx - before[0].rx)")
            #expect(after[1].tx - before[1].tx >= packets, "node1 VTEP tx +\(after[1].tx - before[1].tx)")
            #expect(after[1].rx - before[1].rx >= Self.background, "node1 VTEP rx +\(after[1].rx - before[1].rx): B's ACKs")
            #expect(after[2].rx - before[2].rx < Self.background && after[2].tx - before[2].tx < Self.background, "node2 cni0")
            #expect(after[3].rx - before[3].rx < Self.background, "node2 VTEP rx +\(after[3].rx - before[3].rx)")

            // Unmarked again: back on the data path.
            #expect(try node1.run { try DataPathPolicyMarks.apply(isolated: []) } == 1)
            #expect(try node1.run { try DataPathPolicyMarks.marked() }.isEmpty)
            before = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            after = try watched.map { try Self.counters($0.0.ns, $0.1) }
            Self.expectQuiet(watched, before, after)
        }
    }

    @Test func vtepIngressDeliversWhatTheKernelDecapsulated() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.68.11/24", "192.168.68.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            try c.writeConflist(n2, vxlanOptions: #""dataPath": "kernel""#)
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            let id = try #require(try Self.programID(n1.ns, "vxlan.1"))

            // Without the filter on node1's underlay, node1's kernel VTEP decapsulates; the
            // program on the VTEP then delivers into pod A, past the bridge.
            try n1.ns.run(["tc", "filter", "del", "dev", "eth0", "ingress", "pref", "21315", "handle", "0x5343", "bpf"])
            #expect(try Self.programID(n1.ns, "eth0") == nil)
            let packets = Self.bulkBytes / 65_536
            var before = try [Self.counters(n1.ns, "vxlan.1"), Self.counters(n1.ns, "cni0")]
            #expect(try bulk(c, from: podB, to: podA, ipA) == Self.bulkBytes)
            var after = try [Self.counters(n1.ns, "vxlan.1"), Self.counters(n1.ns, "cni0")]
            #expect(after[0].rx - before[0].rx >= packets, "node1's VTEP decapsulated: rx +\(after[0].rx - before[0].rx)")
            #expect(after[1].tx - before[1].tx < Self.background, "node1 cni0 tx +\(after[1].tx - before[1].tx)")
            try PodNet.withServer(in: podA) {
                let seen = try podB.run(["python3", Self.podnet, "tcp", ipA]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(seen == ipB)
            }

            // A reconcile puts the filter back on the underlay; decapsulation is in BPF again.
            let out = try c.cnictl(n1, ["reconcile-peers"])
            #expect(out.status == 0, "\(out.summary)")
            #expect(try Self.programID(n1.ns, "eth0") == id)
            before = try [Self.counters(n1.ns, "vxlan.1"), Self.counters(n1.ns, "cni0")]
            #expect(try bulk(c, from: podB, to: podA, ipA) == Self.bulkBytes)
            after = try [Self.counters(n1.ns, "vxlan.1"), Self.counters(n1.ns, "cni0")]
            #expect(after[0].rx - before[0].rx < Self.background, "node1's VTEP rx +\(after[0].rx - before[0].rx)")
            #expect(after[1].tx - before[1].tx < Self.background, "node1 cni0 tx +\(after[1].tx - before[1].tx)")
        }
    }

    @Test func concurrentAddsShareOneInstance() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.69.11/24", "192.168.69.12/24"]) { c in
            let n1 = c.nodes[0]
            let pods = try (0..<6).map { _ in try c.newPod() }
            let results = VxlanLocked<[Int: PluginExec.Output]>([:])
            DispatchQueue.concurrentPerform(iterations: pods.count) { i in
                if let out = try? c.cnictl(n1, ["add", pods[i].path, "--container-id", "par-\(i)"]) {
                    results.mutate { $0[i] = out }
                }
            }
            var addresses: [String] = []
            for i in pods.indices {
                let out = try #require(results.value[i], "ADD \(i) did not run")
                #expect(out.status == 0, "\(out.summary)")
                let ips = out.json?["ips"] as? [[String: Any]] ?? []
                addresses += ips.compactMap { ($0["address"] as? String)?.split(separator: "/").first.map(String.init) }
            }
            let id = try #require(try Self.programID(n1.ns, "vxlan.1"))
            let devices = try Self.filteredDevices(n1.ns)
            #expect(devices.count == pods.count + 2, "\(devices)")
            #expect(Set(devices.values) == [id], "one instance: \(devices)")
            #expect(try Self.podAddresses(n1.ns) == addresses.sorted { $0.compare($1, options: .numeric) == .orderedAscending })
        }
    }

    @Test func dualStackPodsReachEachOtherOverBothFamilies() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.59.11/24", "192.168.59.12/24"]) { c in
            // Each node gets an IPv6 pod CIDR too; IPv6 pods are delivered by the program but
            // encapsulated by the kernel VTEP (the program encapsulates IPv4 only).
            let v6 = ["fd00:10:244:1::/64", "fd00:10:244:2::/64"]
            let items = c.nodes.indices.map { i in
                "{\"name\": \"\(c.nodes[i].name)\", \"underlayIP\": \"\(c.nodes[i].underlayIP)\", \"podCIDRs\": [\"\(c.nodes[i].podCIDR)\", \"\(v6[i])\"]}"
            }
            try "{\"nodes\": [\(items.joined(separator: ", "))]}".write(toFile: c.peersFile, atomically: true, encoding: .utf8)
            for (i, node) in c.nodes.enumerated() {
                let text = """
                    {"cniVersion": "1.1.0", "name": "\(VxlanCluster.network)", "plugins": [
                      {"type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(node.podCIDR)"}], [{"subnet": "\(v6[i])"}]],
                                "dataDir": "\(c.dir)/\(node.name)/ipam"}},
                      {"type": "vxlan", "nodeName": "\(node.name)", "clusterCIDRs": ["10.244.0.0/16", "fd00:10:244::/48"],
                       "peersFile": "\(c.peersFile)"}
                    ]}
                    """
                try text.write(toFile: node.conflist, atomically: true, encoding: .utf8)
            }
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            func addresses(_ result: [String: Any]) -> (v4: String, v6: String) {
                let ips = (result["ips"] as? [[String: Any]] ?? []).compactMap { ($0["address"] as? String)?.split(separator: "/").first.map(String.init) }
                return (ips.first { !$0.contains(":") } ?? "?", ips.first { $0.contains(":") } ?? "?")
            }
            let (podA, _, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, _, resultB) = try c.addPod(n2, id: "pod-b")
            let (podC, _, resultC) = try c.addPod(n1, id: "pod-c")
            let (a, b, cc) = (addresses(resultA), addresses(resultB), addresses(resultC))
            #expect(try Self.podAddresses(n1.ns).count == 4, "both addresses of both node1 pods")

            // Cross-node and same-node, both families: the sender's address arrives.
            for (from, to, source, destination) in [
                (podA, podB, a.v6, b.v6), (podB, podA, b.v6, a.v6), (podA, podC, a.v6, cc.v6),
                (podA, podB, a.v4, b.v4), (podC, podA, cc.v4, a.v4),
            ] {
                let seen = try transfer(c, from: from, to: to, destination, bytes: 1000)
                #expect(seen?.peer == source && seen?.bytes == 1000, "\(source) -> \(destination): \(String(describing: seen))")
            }

            // IPv6 in bulk: past both bridges (into the VTEP on the way out, out of it into
            // the pod on the way in).
            let watched = [(n1, "cni0"), (n2, "cni0")]
            let before = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(try bulk(c, from: podA, to: podB, b.v6) == Self.bulkBytes)
            let after = try watched.map { try Self.counters($0.0.ns, $0.1) }
            Self.expectQuiet(watched, before, after)
        }
    }

    @Test func ipv6UnderlayLeavesEncapsulationToTheKernelVtep() throws {
        try VxlanCluster.with(underlayIPs: ["fd61::11/64", "fd61::12/64"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, ipA, resultA) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            // On the VTEP and the pod's veth; not on the underlay (nothing to decapsulate there).
            let veth = try #require(Self.hostVeth(resultA))
            let id = try #require(try Self.programID(n1.ns, "vxlan.1"))
            #expect(try Self.filteredDevices(n1.ns) == ["vxlan.1": id, veth: id])
            let seen = try transfer(c, from: podA, to: podB, ipB, bytes: 1000)
            #expect(seen?.peer == ipA && seen?.bytes == 1000, "\(String(describing: seen))")

            // In bulk: into the sender's VTEP and out of the receiver's, past both bridges.
            let watched = [(n1, "cni0"), (n2, "cni0"), (n1, "vxlan.1"), (n2, "vxlan.1")]
            let before = try watched.map { try Self.counters($0.0.ns, $0.1) }
            #expect(try bulk(c, from: podA, to: podB, ipB) == Self.bulkBytes)
            let after = try watched.map { try Self.counters($0.0.ns, $0.1) }
            for i in 0..<2 {
                let (rx, tx) = (after[i].rx - before[i].rx, after[i].tx - before[i].tx)
                #expect(rx < Self.background && tx < Self.background, "\(watched[i].0.name) cni0: rx +\(rx) tx +\(tx)")
            }
            let packets = Self.bulkBytes / 65_536
            #expect(after[2].tx - before[2].tx >= packets, "node1's VTEP encapsulated")
            #expect(after[3].rx - before[3].rx >= packets, "node2's VTEP decapsulated")
        }
    }

    @Test func nodesAndRemotePodsReachEachOther() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.58.11/24", "192.168.58.12/24"]) { c in
            let n2 = c.nodes[1]
            let (podA, ipA, _) = try c.addPod(c.nodes[0], id: "pod-a")
            _ = try c.addPod(n2, id: "pod-b")
            // A pod to the other node's VTEP address (encapsulated in BPF, for no local pod
            // there: the kernel takes it), and the other node to the pod (kernel
            // encapsulation, decapsulated in BPF).
            let toNode = try transfer(c, from: podA, to: n2.ns, "10.244.2.0", bytes: 1000)
            #expect(toNode?.peer == ipA && toNode?.bytes == 1000, "\(String(describing: toNode))")
            let fromNode = try transfer(c, from: n2.ns, to: podA, ipA, bytes: Self.bulkBytes)
            #expect(fromNode?.bytes == Self.bulkBytes, "\(String(describing: fromNode))")
            #expect(fromNode?.peer.hasPrefix("10.244.2.") == true, "node2 sends from its VTEP address: \(String(describing: fromNode))")
            // The node's own underlay address (leaves the cluster CIDR; no VXLAN).
            let underlay = try transfer(c, from: podA, to: n2.ns, n2.underlayIP, bytes: 1000)
            #expect(underlay?.bytes == 1000, "\(String(describing: underlay))")
        }
    }

    @Test func movingToAnotherUnderlayLeavesNoFilterOnTheOldOne() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.57.11/24", "192.168.57.12/24"]) { c in
            let n1 = c.nodes[0]
            try n1.ns.run(["ip", "link", "add", "side0", "type", "veth", "peer", "name", "side1"])
            try n1.ns.run(["ip", "addr", "add", "172.31.0.1/24", "dev", "side0"])
            try n1.ns.run(["ip", "link", "set", "side1", "up"])
            try n1.ns.run(["ip", "link", "set", "side0", "up"])
            let (_, _, result) = try c.addPod(n1, id: "pod-a")
            let veth = try #require(Self.hostVeth(result))
            #expect(try Set(Self.filteredDevices(n1.ns).keys) == ["vxlan.1", "eth0", veth])

            // The VTEP moves to side0 (recreated): the data path follows it, and eth0, no
            // longer the underlay, keeps no filter of ours.
            try c.writeConflist(n1, vxlanOptions: #""localIP": "172.31.0.1""#)
            let out = try c.cnictl(n1, ["reconcile-peers"])
            #expect(out.status == 0, "\(out.summary)")
            let info = (try c.vtep(n1)?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(info?["link"] as? String == "side0")
            let id = try #require(try Self.programID(n1.ns, "vxlan.1"))
            let devices = try Self.filteredDevices(n1.ns)
            #expect(devices == ["vxlan.1": id, "side0": id, veth: id], "\(devices)")
        }
    }

    @Test func twoVxlanNetworksKeepTheirOwnInstances() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.56.11/24", "192.168.56.12/24"]) { c in
            // A second network on the same nodes: VNI 2 (vxlan.2), bridge cni1, 10.245.i.0/24.
            let peers2 = "\(c.dir)/peers2.json"
            let items = c.nodes.enumerated().map { i, n in
                "{\"name\": \"\(n.name)\", \"underlayIP\": \"\(n.underlayIP)\", \"podCIDRs\": [\"10.245.\(i + 1).0/24\"]}"
            }
            try "{\"nodes\": [\(items.joined(separator: ", "))]}".write(toFile: peers2, atomically: true, encoding: .utf8)
            func conflist2(_ i: Int, _ options: String = "") throws -> String {
                let node = c.nodes[i]
                let path = "\(c.dir)/\(node.name)/two.conflist"
                try """
                    {"cniVersion": "1.1.0", "name": "vxlan-two", "plugins": [
                      {"type": "bridge", "bridge": "cni1", "isGateway": true, "isDefaultGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.245.\(i + 1).0/24"}]], "dataDir": "\(c.dir)/\(node.name)/ipam2"}},
                      {"type": "vxlan", "vni": 2, "nodeName": "\(node.name)", "clusterCIDRs": ["10.245.0.0/16"], "peersFile": "\(peers2)"\(options)}
                    ]}
                    """.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            func add2(_ i: Int, _ id: String) throws -> (TestNamespace, String, String) {
                let pod = try c.newPod()
                let out = try CnictlRun.run(
                    ["add", "vxlan-two", pod.path, "--container-id", id, "--conf", try conflist2(i), "--bin-dir", TestEnvironment.binDir,
                     "--cache-dir", c.nodes[i].cacheDir], inNS: c.nodes[i].ns.name)
                let json = try #require(out.json, "\(out.summary)")
                let ip = try #require(((json["ips"] as? [[String: Any]])?.first?["address"] as? String)?.split(separator: "/").first)
                return (pod, String(ip), try #require(Self.hostVeth(json)))
            }
            let n1 = c.nodes[0]
            let (pod1, ip1, result1) = try c.addPod(n1, id: "one-a")
            let veth1 = try #require(Self.hostVeth(result1))
            let (pod2, ip2, veth2) = try add2(0, "two-a")
            let (remote1, ipRemote1, _) = try c.addPod(c.nodes[1], id: "one-b")
            let (remote2, ipRemote2, _) = try add2(1, "two-b")

            // One instance per VTEP; each pod on its own network's.
            let id1 = try #require(try Self.programID(n1.ns, "vxlan.1"))
            let id2 = try #require(try Self.programID(n1.ns, "vxlan.2"))
            #expect(id1 != id2)
            var devices = try Self.filteredDevices(n1.ns)
            #expect(devices[veth1] == id1 && devices[veth2] == id2, "\(devices)")
            #expect(Set(devices.keys) == ["vxlan.1", "vxlan.2", "eth0", veth1, veth2], "\(devices)")
            #expect(try Self.podAddresses(n1.ns) == [ip1], "network 1's map holds network 1's pod only")
            func traffic() throws {
                for (from, to, source, destination) in [(pod1, remote1, ip1, ipRemote1), (pod2, remote2, ip2, ipRemote2), (remote1, pod1, ipRemote1, ip1)] {
                    let seen = try transfer(c, from: from, to: to, destination, bytes: 100_000)
                    #expect(seen?.peer == source && seen?.bytes == 100_000, "\(source) -> \(destination): \(String(describing: seen))")
                }
            }
            try traffic()

            // Network 2 goes to the kernel path: network 1 keeps its data path.
            try _ = conflist2(0, #", "dataPath": "kernel""#)
            let out = try CnictlRun.run(
                ["reconcile-peers", "vxlan-two", "--conf", "\(c.dir)/node1/two.conflist", "--bin-dir", TestEnvironment.binDir], inNS: n1.ns.name)
            #expect(out.status == 0, "\(out.summary)")
            #expect(try c.cnictl(n1, ["reconcile-peers"]).status == 0)
            devices = try Self.filteredDevices(n1.ns)
            #expect(devices == ["vxlan.1": id1, "eth0": id1, veth1: id1], "\(devices)")
            try traffic()
        }
    }

    @Test func hopLimitDropsAsOnTheKernelPath() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.55.11/24", "192.168.55.12/24"]) { c in
            let (n1, n2) = (c.nodes[0], c.nodes[1])
            let (podA, _, _) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(n2, id: "pod-b")
            let (podC, ipC, _) = try c.addPod(n1, id: "pod-c")
            // The TTL a datagram from A arrives with: to B (routed by both nodes) and to C
            // (switched by node1's bridge), on the data path and then on the kernel path.
            let ebpf = try [ttl(c, from: podA, to: podB, ipB), ttl(c, from: podA, to: podC, ipC)]
            #expect(try Self.programID(n1.ns, "vxlan.1") != nil)
            for node in [n1, n2] {
                try c.writeConflist(node, vxlanOptions: #""dataPath": "kernel""#)
                #expect(try c.cnictl(node, ["reconcile-peers"]).status == 0)
                #expect(try Self.filteredDevices(node.ns).isEmpty)
            }
            let kernel = try [ttl(c, from: podA, to: podB, ipB), ttl(c, from: podA, to: podC, ipC)]
            #expect(ebpf == kernel, "eBPF \(ebpf), kernel \(kernel)")
            #expect(kernel == [62, 64], "two routers across nodes, none within one")
        }
    }

    /// A UDP echo on :7791 that answers each datagram with the TTL it arrived with.
    static let ttlScript = """
        import os, socket, struct, sys
        if sys.argv[1] == "serve":
            os.closerange(3, 4096)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, 12, 1)  # IP_RECVTTL (not in Python's socket module)
            s.bind(("0.0.0.0", 7791))
            while True:
                data, ancillary, _, peer = s.recvmsg(100, 100)
                ttl = [struct.unpack("i", d[:4])[0] for level, kind, d in ancillary if level == socket.IPPROTO_IP and kind == socket.IP_TTL]
                s.sendto(str(ttl[0] if ttl else -1).encode(), peer)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(1)
            for _ in range(5):
                s.sendto(b"x", (sys.argv[2], 7791))
                try:
                    print(s.recv(100).decode())
                    break
                except socket.timeout:
                    pass
        """

    func ttl(_ c: VxlanCluster, from pod: TestNamespace, to server: TestNamespace, _ ip: String) throws -> Int? {
        let path = "\(c.dir)/ttl.py"
        if !FileManager.default.fileExists(atPath: path) { try Self.ttlScript.write(toFile: path, atomically: true, encoding: .utf8) }
        let script = "ip netns exec \(server.name) python3 \(path) serve </dev/null >/dev/null 2>&1 & echo $!"
        let pid = try Shell.must(["sh", "-c", script]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run(["kill", "-9", pid]) }
        for _ in 0..<100 {
            if try server.run(["ss", "-Hunl", "sport = :7791"]).contains("7791") { break }
            usleep(50_000)
        }
        let out = try Shell.run(["ip", "netns", "exec", pod.name, "python3", path, "send", ip])
        let value = Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        if value == nil { Issue.record("no TTL from \(ip): \(out.stdout) \(out.stderr)") }
        return value
    }

    /// A pod connecting to a service address that node1 translates (as kube-proxy does) to
    /// a backend pod on node2 or node1: the replies must reach the client from the service
    /// address, which takes node1's conntrack. On the eBPF data path the program sees the
    /// flow's NAT entry (conntrack kfunc) and leaves the replies to the kernel path; without
    /// that check the client would see the backend's own address and the connection never
    /// complete. The kernel path is the control.
    @Test(arguments: ["kernel", "auto"])
    func serviceAddressTranslatedOnTheClientNode(dataPath: String) throws {
        try VxlanCluster.with(underlayIPs: ["192.168.54.11/24", "192.168.54.12/24"], vxlanOptions: "\"dataPath\": \"\(dataPath)\"") { c in
            let n1 = c.nodes[0]
            let (podA, ipA, _) = try c.addPod(n1, id: "pod-a")
            let (podB, ipB, _) = try c.addPod(c.nodes[1], id: "pod-b")
            let (podC, ipC, _) = try c.addPod(n1, id: "pod-c")
            // As kube-proxy does, in a table of our own (node1's namespace is the test's).
            for (service, backend) in [("10.96.0.10", ipB), ("10.96.0.11", ipC)] {
                let rules = """
                    table ip swcni_test_svc {
                      chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        ip daddr \(service) tcp dport 7790 dnat to \(backend)
                      }
                    }
                    """
                let out = try Shell.run(["ip", "netns", "exec", n1.ns.name, "nft", "-f", "-"], stdin: Data(rules.utf8))
                #expect(out.status == 0, "\(out.stderr)")
            }
            for (service, backend, label) in [("10.96.0.10", podB, "backend on node2"), ("10.96.0.11", podC, "backend on node1")] {
                func check() throws {
                    let seen = try transfer(c, from: podA, to: backend, service, bytes: 100_000, timeout: 2)
                    #expect(seen?.peer == ipA && seen?.bytes == 100_000, "\(label): \(String(describing: seen))")
                }
                try check()
            }
        }
    }

    /// ADD records whether the pod forwards (IP forwarding on in its namespace): GSO packets
    /// for such a pod are left to the kernel VTEP on kernels that cannot reset their tunnel
    /// offload state in BPF.
    @Test func podWithForwardingIsFlagged() throws {
        try VxlanCluster.with(underlayIPs: ["192.168.69.11/24", "192.168.69.12/24"]) { c in
            let n1 = c.nodes[0]
            let (_, plainIP, _) = try c.addPod(n1, id: "plain")
            let router = try c.newPod()
            try router.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            let out = try c.cnictl(n1, ["add", router.path, "--container-id", "router"])
            #expect(out.status == 0, "\(out.summary)")
            let routerIP = try #require(((out.json?["ips"] as? [[String: Any]])?.first?["address"] as? String)?.split(separator: "/").first)
            let flags = try Self.podFlags(n1.ns)
            #expect(flags[plainIP] == 0, "\(flags)")
            #expect(flags[String(routerIP)] == 2, "\(flags)")
        }
    }

    // MARK: Observation

    /// Each watched device's counters moved by no more than background traffic.
    static func expectQuiet(
        _ watched: [(VxlanCluster.Node, String)], _ before: [(rx: Int, tx: Int)], _ after: [(rx: Int, tx: Int)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (i, (node, device)) in watched.enumerated() {
            let rx = after[i].rx - before[i].rx
            let tx = after[i].tx - before[i].tx
            #expect(
                rx < background && tx < background, "\(node.name) \(device): rx +\(rx) tx +\(tx) packets",
                sourceLocation: sourceLocation)
        }
    }

    /// The id of our program (`swcni_datapath`, tc handle 0x5343) on the ingress hook of
    /// `device` in `ns`, or nil when the device has no such filter.
    static func programID(_ ns: TestNamespace, _ device: String) throws -> Int? {
        let out = try Shell.run(["tc", "-n", ns.name, "-j", "filter", "show", "dev", device, "ingress"])
        guard out.status == 0, !out.stdout.isEmpty else { return nil }
        let filters = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
        for filter in filters where filter["kind"] as? String == "bpf" {
            guard let options = filter["options"] as? [String: Any], options["handle"] as? String == "0x5343" else { continue }
            let prog = options["prog"] as? [String: Any]
            #expect(prog?["name"] as? String == "swcni_datapath", "\(filter)")
            #expect(filter["pref"] as? Int == 0x5343, "\(filter)")
            return prog?["id"] as? Int
        }
        return nil
    }

    /// Every device of `ns` carrying our filter, with its program id.
    static func filteredDevices(_ ns: TestNamespace) throws -> [String: Int] {
        let links = try Shell.json(["ip", "-n", ns.name, "-j", "link", "show"]) as? [[String: Any]] ?? []
        var result: [String: Int] = [:]
        for link in links {
            guard let name = link["ifname"] as? String else { continue }
            if let id = try programID(ns, name) { result[name] = id }
        }
        return result
    }

    struct MapInfo {
        var id: Int
        /// Key size, value size, max entries.
        var sizes: [Int]
    }

    /// The maps of program `id`, by name.
    static func maps(ofProgram id: Int) throws -> [String: MapInfo] {
        let prog = try Shell.json(["bpftool", "-j", "prog", "show", "id", String(id)]) as? [String: Any] ?? [:]
        var result: [String: MapInfo] = [:]
        for mapID in prog["map_ids"] as? [Int] ?? [] {
            let map = try Shell.json(["bpftool", "-j", "map", "show", "id", String(mapID)]) as? [String: Any] ?? [:]
            guard let name = map["name"] as? String else { continue }
            let sizes = ["bytes_key", "bytes_value", "max_entries"].map { map[$0] as? Int ?? -1 }
            result[name] = MapInfo(id: mapID, sizes: sizes)
        }
        return result
    }

    /// The `flags` of each IPv4 pod in `swcni_pods` of the program on `ns`'s VTEP.
    static func podFlags(_ ns: TestNamespace) throws -> [String: UInt32] {
        let id = try #require(try programID(ns, "vxlan.1"), "no program on the VTEP")
        let map = try #require(try maps(ofProgram: id)["swcni_pods"])
        let entries = try Shell.json(["bpftool", "-j", "map", "dump", "id", String(map.id)]) as? [[String: Any]] ?? []
        var result: [String: UInt32] = [:]
        for entry in entries {
            let key = try #require(entry["key"] as? [String]).map { UInt8($0.dropFirst(2), radix: 16)! }
            let value = try #require(entry["value"] as? [String]).map { UInt8($0.dropFirst(2), radix: 16)! }
            guard key.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], value.count == 20 else { continue }
            result[key.suffix(4).map(String.init).joined(separator: ".")] =
                UInt32(value[4]) | UInt32(value[5]) << 8 | UInt32(value[6]) << 16 | UInt32(value[7]) << 24
        }
        return result
    }

    /// The addresses in `swcni_pods` of the program on `ns`'s VTEP (IPv4-mapped keys shown
    /// as IPv4), sorted.
    static func podAddresses(_ ns: TestNamespace) throws -> [String] {
        let id = try #require(try programID(ns, "vxlan.1"), "no program on the VTEP")
        let map = try #require(try maps(ofProgram: id)["swcni_pods"])
        let entries = try Shell.json(["bpftool", "-j", "map", "dump", "id", String(map.id)]) as? [[String: Any]] ?? []
        return try entries.map { entry in
            let key = try #require(entry["key"] as? [String], "\(entry)").map { UInt8($0.dropFirst(2), radix: 16)! }
            #expect(key.count == 16)
            guard key.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] else {
                return stride(from: 0, to: 16, by: 2).map { String(format: "%x", UInt16(key[$0]) << 8 | UInt16(key[$0 + 1])) }.joined(separator: ":")
            }
            return key.suffix(4).map(String.init).joined(separator: ".")
        }.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }

    /// The host-side veth of a bridge ADD result (no sandbox, not the bridge: cni0, or cni1
    /// for a second network).
    static func hostVeth(_ result: [String: Any]) -> String? {
        let interfaces = result["interfaces"] as? [[String: Any]] ?? []
        return interfaces.first { $0["sandbox"] == nil && !["cni0", "cni1"].contains($0["name"] as? String) }?["name"] as? String
    }

    static func counters(_ ns: TestNamespace, _ device: String) throws -> (rx: Int, tx: Int) {
        let link = try Shell.json(["ip", "-n", ns.name, "-s", "-j", "link", "show", "dev", device]) as? [[String: Any]]
        let stats = link?.first?["stats64"] as? [String: Any]
        let rx = (stats?["rx"] as? [String: Any])?["packets"] as? Int
        let tx = (stats?["tx"] as? [String: Any])?["packets"] as? Int
        return (try #require(rx, "\(device) counters"), try #require(tx))
    }

    // MARK: Traffic

    /// A sink on TCP :7790 (IPv4 and IPv6) that answers each connection, at its end, with
    /// the peer address it saw and the number of bytes it received.
    static let bulkScript = """
        import os, socket, sys
        if sys.argv[1] == "serve":
            os.closerange(3, 4096)
            s = socket.create_server(("::", 7790), family=socket.AF_INET6, dualstack_ipv6=True, backlog=4)
            while True:
                c, peer = s.accept()
                n = 0
                while True:
                    d = c.recv(1 << 16)
                    if not d:
                        break
                    n += len(d)
                address = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
                c.sendall(("%s %d" % (address, n)).encode())
                c.close()
        else:
            total = int(sys.argv[3])
            s = socket.create_connection((sys.argv[2], 7790), timeout=int(sys.argv[4]))
            chunk = b"x" * (1 << 16)
            sent = 0
            while sent < total:
                sent += s.send(chunk[: total - sent])
            s.shutdown(socket.SHUT_WR)
            print(s.recv(200).decode())
        """

    static func bulkScriptPath(_ c: VxlanCluster) throws -> String {
        let path = "\(c.dir)/bulk.py"
        if !FileManager.default.fileExists(atPath: path) { try bulkScript.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    /// Sends `bulkBytes` over TCP from `pod` to `server` (at `ip`); returns what the
    /// receiver counted.
    func bulk(_ c: VxlanCluster, from pod: TestNamespace, to server: TestNamespace, _ ip: String) throws -> Int? {
        try transfer(c, from: pod, to: server, ip, bytes: Self.bulkBytes)?.bytes
    }

    /// Sends `bytes` over TCP from `pod` to `server` (at `ip`); returns the sender address
    /// the receiver saw and the number of bytes it counted.
    func transfer(_ c: VxlanCluster, from pod: TestNamespace, to server: TestNamespace, _ ip: String, bytes: Int, timeout: Int = 10)
        throws -> (peer: String, bytes: Int)?
    {
        let script = "ip netns exec \(server.name) python3 \(try Self.bulkScriptPath(c)) serve </dev/null >/dev/null 2>&1 & echo $!"
        let pid = try Shell.must(["sh", "-c", script]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run(["kill", "-9", pid]) }
        for _ in 0..<100 {
            if try server.run(["ss", "-Htln", "sport = :7790"]).contains("7790") { break }
            usleep(50_000)
        }
        let out = try pod.run(["python3", try Self.bulkScriptPath(c), "send", ip, String(bytes), String(timeout)])
        let fields = out.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let count = Int(fields[1]) else { return nil }
        return (String(fields[0]), count)
    }
}
