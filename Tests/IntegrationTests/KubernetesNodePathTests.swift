import Foundation
import Testing
import JSONSupport

/// The Kubernetes path: the shipped Kubernetes-node conflists run through `cnictl` with the
/// capability arguments containerd and CRI-O pass through libcni (`portMappings` and
/// `bandwidth`, the pod's hostPorts and bandwidth annotations), on a node in namespaces
/// (`KubernetesNodeLab`): the hostPort answers from the node's uplink, the rate holds in
/// both directions, and DEL leaves nothing of the pod behind.
@Suite("Kubernetes node path", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct KubernetesNodePathTests {
    typealias Lab = KubernetesNodeLab

    static let rate = 50.0  // Mbit/s
    static let tolerance = 0.10
    /// Bits per second and bits, as the `bandwidth` capability carries them; a 1 Mbit burst
    /// (125 kB) passes the reference's validation and is small against a second of traffic.
    static let bandwidth = #"{"bandwidth":{"ingressRate":50000000,"ingressBurst":1000000,"egressRate":50000000,"egressBurst":1000000}}"#

    static func pluginTypes(_ list: JSONObject) -> [String] {
        (list["plugins"]?.arrayValue ?? []).compactMap { $0.objectValue?["type"]?.stringValue }
    }

    static func bridgeName(_ list: JSONObject) -> String {
        (list["plugins"]?.arrayValue ?? []).compactMap(\.objectValue).first { $0["type"] == .string("bridge") }?["bridge"]?.stringValue
            ?? "cni0"
    }

    @Test func bridgeChainServesHostPortsAndShapesBothWays() throws {
        try Lab.with(example: "bridge-kubernetes-node.conflist") { lab in
            #expect(Self.pluginTypes(lab.example) == ["bridge", "portmap", "bandwidth"])
            let pod = try lab.pod()
            // What the runtime passes again at CHECK and DEL (libcni takes them from its caller).
            let attachment = [
                "--k8s-pod", "default/web-0", "--port-mapping", "8080:80/tcp", "--port-mapping", "\(Lab.nodeIP):8081:80/tcp",
                "--cap-args", Self.bandwidth,
            ]
            let add = try lab.cnictl("add", pod, attachment)
            try #require(add.status == 0, "ADD: \(add.summary)")
            #expect(add.json?["cniVersion"] as? String == "1.1.0", "the highest of cniVersions, as libcni 1.2+ picks")
            let veth = try #require(Lab.hostVeth(add.json, bridge: Self.bridgeName(lab.example)), "\(add.stdout)")
            let ifb = try #require(try lab.ifbs().first, "egress shaping made an IFB")
            let names = (add.json?["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.contains(ifb), "the IFB is listed in the result: \(names)")
            #expect(try lab.shapingQdiscs() == ["ingress \(veth)", "tbf \(ifb)", "tbf \(veth)"])
            #expect(try lab.tbf(veth)?["rate"] as? Int == 6_250_000, "50 Mbit/s is 6.25 MB/s")

            try PortMapLab.withServer(in: pod) { () throws in
                // Reached on every node address, with the client's own address seen by the pod.
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.nodeIP, port: 8080) == Lab.clientIP)
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.otherNodeIP, port: 8080) == Lab.clientIP)
                // hostIP: only on that address.
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.nodeIP, port: 8081) == Lab.clientIP)
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.otherNodeIP, port: 8081) == nil)
            }

            // iperf3 between the pod and the client on the uplink, through the node's routing.
            let egress = try BandwidthLab.iperf(server: lab.client, address: Lab.clientIP, client: pod, clientSends: true, port: 5311)
            let ingress = try BandwidthLab.iperf(server: lab.client, address: Lab.clientIP, client: pod, clientSends: false, port: 5312)
            print(String(format: "Kubernetes node path: limit %.0f Mbit/s: pod->client (egress) %.2f Mbit/s (%+.1f%%), client->pod (ingress) %.2f Mbit/s (%+.1f%%)",
                         Self.rate, egress, (egress / Self.rate - 1) * 100, ingress, (ingress / Self.rate - 1) * 100))
            #expect(abs(egress - Self.rate) <= Self.rate * Self.tolerance, "egress \(egress) Mbit/s")
            #expect(abs(ingress - Self.rate) <= Self.rate * Self.tolerance, "ingress \(ingress) Mbit/s")

            let check = try lab.cnictl("check", pod, attachment)
            #expect(check.status == 0, "CHECK: \(check.summary)")
            let status = try lab.cnictl("status")
            #expect(status.status == 0, "STATUS: \(status.summary)")
            let gc = try lab.cnictl("gc")
            #expect(gc.status == 0 && (gc.json?["deleted"] as? [Any])?.isEmpty == true && gc.json?["gcSent"] as? Bool == true,
                    "GC keeps the live pod and reaches the plugins (1.1.0): \(gc.summary)")
            #expect(lab.reservations.count == 1 && lab.cacheEntries.count == 1)

            // CHECK goes down the whole chain: a lost token bucket is noticed.
            try lab.node.run(["tc", "qdisc", "del", "dev", veth, "root"])
            let broken = try lab.cnictl("check", pod, attachment)
            #expect(broken.status != 0 && broken.stderr.contains("bandwidth"), "CHECK after the tbf was deleted: \(broken.summary)")

            let del = try lab.cnictl("del", pod, attachment)
            #expect(del.status == 0, "DEL: \(del.summary)")
            try Self.expectNothingLeft(lab)
            let ruleset = try lab.ruleset()
            #expect(!ruleset.contains("masquerade"), "the pod's masquerade rule went with it: \(ruleset)")
            #expect(try lab.cnictl("del", pod, attachment).status == 0, "DEL again")
            // With no attachment left, GC removes the network's forward accepts too.
            #expect(try lab.cnictl("gc").status == 0)
            #expect(!(try lab.node.run(["nft", "list", "tables"])).contains("swcni"))
        }
    }

    /// The capability values as each runtime marshals them. containerd's go-cni has no JSON
    /// tags on `PortMapping` and `BandWidth` (so `HostPort`, `IngressRate`; the reference
    /// reads them through Go's case-insensitive matching) and sends a burst of 2^32-1 bits for
    /// an annotation; CRI-O's ocicni has lowercase tags, an empty `hostIP` and 2^35-9 bits.
    /// containerd 1.6/1.7 carries libcni 1.1, which ignores `cniVersions` and runs 1.0.0.
    struct Runtime: Sendable, CustomTestStringConvertible {
        var name: String
        var capArgs: String
        var cniVersions: [String]?
        var version: String
        var testDescription: String { name }
    }

    static let runtimes = [
        Runtime(
            name: "containerd 1.7 (go-cni, libcni 1.1)",
            capArgs: #"{"portMappings":[{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}],"#
                + #""bandwidth":{"IngressRate":10000000,"IngressBurst":4294967295,"EgressRate":10000000,"EgressBurst":4294967295}}"#,
            cniVersions: [], version: "1.0.0"),
        Runtime(
            name: "CRI-O (ocicni, libcni 1.2)",
            capArgs: #"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""}],"#
                + #""bandwidth":{"ingressRate":10000000,"ingressBurst":34359738359,"egressRate":10000000,"egressBurst":34359738359}}"#,
            cniVersions: nil, version: "1.1.0"),
    ]

    @Test(arguments: runtimes)
    func runtimeCapabilityShapes(_ runtime: Runtime) throws {
        try Lab.with(example: "bridge-kubernetes-node.conflist", cniVersions: runtime.cniVersions) { lab in
            let pod = try lab.pod()
            let attachment = ["--k8s-pod", "default/api-0", "--cap-args", runtime.capArgs]
            let add = try lab.cnictl("add", pod, attachment)
            try #require(add.status == 0, "ADD: \(add.summary)")
            #expect(add.json?["cniVersion"] as? String == runtime.version)
            let veth = try #require(Lab.hostVeth(add.json, bridge: Self.bridgeName(lab.example)))
            let ifb = try #require(try lab.ifbs().first, "egress shaping made an IFB")
            // 10 Mbit/s; the "unlimited" burst is capped at the most the kernel's 32-bit tick
            // buffer holds: 2^32-1 ticks of 64 ns = 274.9 s at 1.25 MB/s = 343.6 MB.
            for dev in [veth, ifb] {
                let tbf = try #require(try lab.tbf(dev), "tbf on \(dev)")
                #expect(tbf["rate"] as? Int == 1_250_000, "\(dev): \(tbf)")
                let burst = tbf["burst"] as? Int ?? 0
                #expect(abs(burst - 343_597_383) < 1_000, "\(dev): burst \(burst)")
            }
            try PortMapLab.withServer(in: pod) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.nodeIP, port: 8080) == Lab.clientIP)
            }
            let check = try lab.cnictl("check", pod, attachment)
            #expect(check.status == 0, "CHECK: \(check.summary)")
            // STATUS and GC are 1.1.0 verbs: at 1.0.0 nothing is asked and GC only sweeps the cache.
            #expect(try lab.cnictl("status").status == 0)
            let gc = try lab.cnictl("gc")
            #expect(gc.status == 0 && gc.json?["gcSent"] as? Bool == (runtime.version == "1.1.0"), "\(gc.summary)")
            let del = try lab.cnictl("del", pod, attachment)
            #expect(del.status == 0, "DEL: \(del.summary)")
            try Self.expectNothingLeft(lab)
        }
    }

    /// The vxlan chain (bridge + vxlan + portmap + bandwidth) as shipped, on node1 of its node
    /// list: the hostPort answers through it and DEL leaves only the node's VTEP, which is
    /// node infrastructure shared by every pod (docs/vxlan.md).
    @Test func vxlanChainServesHostPorts() throws {
        try Lab.with(example: "vxlan-node.conflist") { lab in
            #expect(Self.pluginTypes(lab.example) == ["bridge", "vxlan", "portmap", "bandwidth"])
            let pod = try lab.pod()
            let attachment = ["--k8s-pod", "default/web-1", "--port-mapping", "8080:80/tcp", "--cap-args", Self.bandwidth]
            let add = try lab.cnictl("add", pod, attachment)
            try #require(add.status == 0, "ADD: \(add.summary)")
            #expect(add.json?["cniVersion"] as? String == "1.1.0")
            let eth0 = (add.json?["interfaces"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "eth0" }
            #expect(eth0?["mtu"] as? Int == 1450, "the overlay MTU reaches the pod: \(add.stdout)")
            #expect(try lab.ifbs().count == 1)
            try PortMapLab.withServer(in: pod) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, Lab.nodeIP, port: 8080) == Lab.clientIP)
            }
            let check = try lab.cnictl("check", pod, attachment)
            #expect(check.status == 0, "CHECK: \(check.summary)")
            #expect(try lab.cnictl("status").status == 0)
            let del = try lab.cnictl("del", pod, attachment)
            #expect(del.status == 0, "DEL: \(del.summary)")
            try Self.expectNothingLeft(lab)
            #expect(try lab.node.run(["ip", "-br", "link", "show", "type", "vxlan"]).contains("vxlan.1"), "the VTEP stays")
        }
    }

    /// A pod's limits against traffic from a pod on another node (bridge + host-local + vxlan
    /// + bandwidth on two nodes, vxlan declaring the `bandwidth` capability as the shipped
    /// list does). Egress holds: the redirect to the IFB runs ahead of the vxlan eBPF program
    /// on the host veth. Ingress holds because vxlan marks the pod shaped: the eBPF data path
    /// then delivers its packets through the host veth's qdisc, not with `bpf_redirect_peer`
    /// (which, before the mark, let ~10 Gbit/s through a 50 Mbit/s limit).
    @Test func vxlanPodLimitsAgainstAnotherNode() throws {
        try VxlanCluster.with(
            underlayIPs: ["192.168.50.11/24", "192.168.50.12/24"],
            vxlanOptions: #""capabilities": {"bandwidth": true}"#,
            chainedPlugins: [#"{"type": "bandwidth", "capabilities": {"bandwidth": true}}"#]
        ) { cluster in
            let (sender, _, _) = try cluster.addPod(cluster.nodes[0], id: "sender")
            let shaped = try cluster.newPod()
            let add = try cluster.cnictl(cluster.nodes[1], ["add", shaped.path, "--container-id", "shaped", "--cap-args", Self.bandwidth])
            try #require(add.status == 0, "ADD: \(add.summary)")
            let address = try #require(Lab.podIPv4(add.json))
            let veth = try #require(Lab.hostVeth(add.json, bridge: "cni0"))
            let filters = try cluster.nodes[1].ns.run(["tc", "filter", "show", "dev", veth, "ingress"])
            let ebpf = filters.contains(" bpf ")
            let egress = try BandwidthLab.iperf(server: shaped, address: address, client: sender, clientSends: false, seconds: 3, port: 5321)
            let ingress = try BandwidthLab.iperf(server: shaped, address: address, client: sender, clientSends: true, seconds: 3, port: 5322)
            print(String(format: "Kubernetes node path, vxlan across nodes (%@ data path): limit %.0f Mbit/s: from the pod %.2f Mbit/s, to the pod %.2f Mbit/s",
                         ebpf ? "eBPF" : "kernel", Self.rate, egress, ingress))
            #expect(abs(egress - Self.rate) <= Self.rate * Self.tolerance, "egress \(egress) Mbit/s")
            // With the eBPF data path too: vxlan marks the shaped pod, so packets for it take
            // the kernel path through the host veth's tbf instead of bpf_redirect_peer.
            #expect(abs(ingress - Self.rate) <= Self.rate * Self.tolerance, "ingress \(ingress) Mbit/s")
            for (node, pod, id) in [(cluster.nodes[1], shaped, "shaped"), (cluster.nodes[0], sender, "sender")] {
                let del = try cluster.cnictl(node, ["del", pod.path, "--container-id", id])
                #expect(del.status == 0, "DEL: \(del.summary)")
            }
        }
    }

    /// After the pod's DEL: no veth, no IFB, no tbf or ingress qdisc, no hostPort rule, no
    /// reservation, no result-cache entry.
    static func expectNothingLeft(_ lab: Lab, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try lab.podVeths().isEmpty, "veths left", sourceLocation: sourceLocation)
        #expect(try lab.ifbs().isEmpty, "IFBs left", sourceLocation: sourceLocation)
        #expect(try lab.shapingQdiscs().isEmpty, "qdiscs left", sourceLocation: sourceLocation)
        #expect(try lab.portmapTable() == nil, "hostPort rules left", sourceLocation: sourceLocation)
        #expect(!(try lab.ruleset()).contains("dnat"), "DNAT rules left", sourceLocation: sourceLocation)
        #expect(lab.reservations.isEmpty, "reservations left: \(lab.reservations)", sourceLocation: sourceLocation)
        #expect(lab.cacheEntries.isEmpty, "cache entries left: \(lab.cacheEntries)", sourceLocation: sourceLocation)
    }
}
