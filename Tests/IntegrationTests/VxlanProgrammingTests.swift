import Foundation
import Testing

/// Node-level programming of the vxlan plugin, observed with iproute2: the VTEP, per-peer
/// FDB / neighbour / route entries, removal when a peer leaves (GC), peer changes through
/// `cnictl reconcile-peers` (node list and Kubernetes NodeList), device re-creation,
/// STATUS. The plugin runs inside node namespaces on an underlay bridge in a namespace.
@Suite("vxlan node programming", .enabled(if: TestEnvironment.canRunNetNSTests))
struct VxlanProgrammingTests {
    static let three = ["192.168.50.11/24", "192.168.50.12/24", "192.168.50.13/24"]

    func mac(_ ip: String, vni: UInt32 = 1) -> String { VxlanCluster.derivedMAC(vni: vni, underlayIP: ip) }

    @Test func addProgramsTheVtepAndEveryPeerIdempotently() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            let config = c.vxlanConfig(n1, prevResult: VxlanCluster.emptyPrevResult)
            let add = try c.vxlan(n1, "ADD", config: config)
            #expect(add.status == 0, "\(add.summary)")
            #expect(add.json?["cniVersion"] as? String == "1.1.0", "the (empty) prevResult comes back")

            let vtep = try #require(try c.vtep(n1))
            let info = try #require((vtep["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            #expect(info["id"] as? Int == 1)
            #expect(info["port"] as? Int == 4789)
            #expect(info["local"] as? String == "192.168.50.11")
            #expect(info["link"] as? String == "eth0")
            #expect(info["learning"] as? Bool == false)
            #expect(vtep["mtu"] as? Int == 1450)
            #expect(vtep["address"] as? String == mac("192.168.50.11"))
            #expect((vtep["flags"] as? [String] ?? []).contains("UP"))
            #expect(try n1.ns.addresses("vxlan.1").filter { !$0.hasPrefix("fe80:") } == ["10.244.1.0/32"])
            #expect(try n1.ns.run(["cat", "/proc/sys/net/ipv4/ip_forward"]).hasPrefix("1"))

            let expectedFDB: Set = ["\(mac("192.168.50.12")) 192.168.50.12", "\(mac("192.168.50.13")) 192.168.50.13"]
            let expectedNeigh: Set = ["10.244.2.0 \(mac("192.168.50.12")) PERMANENT", "10.244.3.0 \(mac("192.168.50.13")) PERMANENT"]
            let expectedRoutes: Set = ["10.244.2.0/24 via 10.244.2.0 dev vxlan.1 onlink", "10.244.3.0/24 via 10.244.3.0 dev vxlan.1 onlink"]
            #expect(try c.fdb(n1) == expectedFDB)
            #expect(try c.neighbours(n1) == expectedNeigh)
            #expect(try c.routes(n1) == expectedRoutes)

            // Forward accepts between cluster CIDRs, in our own table; masquerade only with ipMasq.
            let ruleset = try n1.ns.run(["nft", "list", "table", "inet", "swcni_vxlan"])
            #expect(ruleset.contains("ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 accept"), "\(ruleset)")
            #expect(!ruleset.contains("masquerade"))

            // A second ADD changes nothing.
            let before = try n1.ns.run(["ip", "-d", "link", "show", "vxlan.1"])
            let again = try c.vxlan(n1, "ADD", config: config, containerID: "ctr2")
            #expect(again.status == 0, "\(again.summary)")
            #expect(try n1.ns.run(["ip", "-d", "link", "show", "vxlan.1"]) == before)
            #expect(try c.fdb(n1) == expectedFDB)
            #expect(try c.neighbours(n1) == expectedNeigh)
            #expect(try c.routes(n1) == expectedRoutes)
        }
    }

    @Test func gcRemovesAPeerThatLeftAndKeepsTheOthers() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            #expect(try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, prevResult: VxlanCluster.emptyPrevResult)).status == 0)
            #expect(try c.routes(n1).count == 2)
            try c.writePeers(c.nodes.prefix(2).map { ($0.name, $0.underlayIP, $0.podCIDR) })
            let gc = try c.vxlan(n1, "GC", config: c.vxlanConfig(n1))
            #expect(gc.status == 0, "\(gc.summary)")
            #expect(try c.fdb(n1) == ["\(mac("192.168.50.12")) 192.168.50.12"])
            #expect(try c.neighbours(n1) == ["10.244.2.0 \(mac("192.168.50.12")) PERMANENT"])
            #expect(try c.routes(n1) == ["10.244.2.0/24 via 10.244.2.0 dev vxlan.1 onlink"])
        }
    }

    @Test func reconcilePeersAppliesChangedUnderlayAndCIDRWithoutAnyADD() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            let first = try c.cnictl(n1, ["reconcile-peers"])
            #expect(first.status == 0, "\(first.summary)")
            #expect(try c.routes(n1).count == 2)

            // node2 moves to another underlay address and pod CIDR; node3 leaves; node4 joins.
            try c.writePeers([
                ("node1", "192.168.50.11", "10.244.1.0/24"), ("node2", "192.168.50.22", "10.244.20.0/24"),
                ("node4", "192.168.50.14", "10.244.4.0/24"),
            ])
            let second = try c.cnictl(n1, ["reconcile-peers"])
            #expect(second.status == 0, "\(second.summary)")
            #expect(try c.fdb(n1) == ["\(mac("192.168.50.22")) 192.168.50.22", "\(mac("192.168.50.14")) 192.168.50.14"])
            #expect(try c.neighbours(n1) == [
                "10.244.20.0 \(mac("192.168.50.22")) PERMANENT", "10.244.4.0 \(mac("192.168.50.14")) PERMANENT",
            ])
            #expect(try c.routes(n1) == [
                "10.244.20.0/24 via 10.244.20.0 dev vxlan.1 onlink", "10.244.4.0/24 via 10.244.4.0 dev vxlan.1 onlink",
            ])

            // A Kubernetes NodeList dump given on the command line replaces the peers file.
            let nodeList = """
                {"apiVersion": "v1", "kind": "List", "items": [
                  {"kind": "Node", "metadata": {"name": "node1"}, "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]},
                   "status": {"addresses": [{"type": "InternalIP", "address": "192.168.50.11"}, {"type": "Hostname", "address": "node1"}]}},
                  {"kind": "Node", "metadata": {"name": "node3"}, "spec": {"podCIDRs": ["10.244.3.0/24"]},
                   "status": {"addresses": [{"type": "InternalIP", "address": "192.168.50.13"}]}}
                ]}
                """
            let path = "\(c.dir)/nodes.json"
            try nodeList.write(toFile: path, atomically: true, encoding: .utf8)
            let third = try c.cnictl(n1, ["reconcile-peers", "--peers", path])
            #expect(third.status == 0, "\(third.summary)")
            #expect(third.stderr.contains("node node1"), "\(third.stderr)")
            #expect(try c.fdb(n1) == ["\(mac("192.168.50.13")) 192.168.50.13"])
            #expect(try c.routes(n1) == ["10.244.3.0/24 via 10.244.3.0 dev vxlan.1 onlink"])

            // The same as YAML (kubectl get nodes -o yaml), now with node2 back.
            let yaml = """
                apiVersion: v1
                kind: List
                items:
                - kind: Node
                  metadata:
                    name: node1
                  spec:
                    podCIDR: 10.244.1.0/24
                  status:
                    addresses:
                    - type: InternalIP
                      address: 192.168.50.11
                - kind: Node
                  metadata:
                    name: node2
                  spec:
                    podCIDRs:
                    - 10.244.2.0/24
                  status:
                    addresses:
                    - address: 192.168.50.12
                      type: InternalIP
                """
            let yamlPath = "\(c.dir)/nodes.yaml"
            try yaml.write(toFile: yamlPath, atomically: true, encoding: .utf8)
            let fourth = try c.cnictl(n1, ["reconcile-peers", "--peers", yamlPath])
            #expect(fourth.status == 0, "\(fourth.summary)")
            #expect(try c.fdb(n1) == ["\(mac("192.168.50.12")) 192.168.50.12"])
            #expect(try c.routes(n1) == ["10.244.2.0/24 via 10.244.2.0 dev vxlan.1 onlink"])
        }
    }

    @Test func changedPortRecreatesTheDevice() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            #expect(try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, prevResult: VxlanCluster.emptyPrevResult)).status == 0)
            let before = try #require(try c.vtep(n1)?["ifindex"] as? Int)
            let add = try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, options: "\"port\": 8472", prevResult: VxlanCluster.emptyPrevResult))
            #expect(add.status == 0, "\(add.summary)")
            let vtep = try #require(try c.vtep(n1))
            let info = (vtep["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(info?["port"] as? Int == 8472)
            #expect(vtep["ifindex"] as? Int != before)
            #expect(try c.routes(n1).count == 2, "peers are programmed again on the new device")
        }
    }

    @Test func statusIsUnavailableWhenThisNodeIsNotListed() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            let ok = try c.vxlan(n1, "STATUS", config: c.vxlanConfig(n1))
            #expect(ok.status == 0, "\(ok.summary)")
            let missing = try c.vxlan(n1, "STATUS", config: c.vxlanConfig(n1, options: "\"nodeName\": \"ghost\""))
            #expect(missing.status != 0)
            #expect(missing.code == 50, "\(missing.summary)")
            #expect((missing.json?["msg"] as? String ?? "").contains("ghost"))
        }
    }

    @Test func addWithoutPrevResultIsRefused() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let out = try c.vxlan(c.nodes[0], "ADD", config: c.vxlanConfig(c.nodes[0]))
            #expect(out.code == 7, "\(out.summary)")
            #expect(try c.vtep(c.nodes[0]) == nil, "nothing is created for a refused ADD")
        }
    }

    @Test func ipv6UnderlayUsesSeventyBytesOfOverhead() throws {
        try VxlanCluster.with(underlayIPs: ["fd50::11/64", "fd50::12/64"], mtu: 1500) { c in
            let n1 = c.nodes[0]
            let add = try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, prevResult: VxlanCluster.emptyPrevResult))
            #expect(add.status == 0, "\(add.summary)")
            let vtep = try #require(try c.vtep(n1))
            #expect(vtep["mtu"] as? Int == 1430)
            #expect(try c.fdb(n1) == ["\(mac("fd50::12")) fd50::12"])
        }
    }

    @Test func underlayChoiceByInterfaceOrAddress() throws {
        try VxlanCluster.with(underlayIPs: Self.three) { c in
            let n1 = c.nodes[0]
            // A second interface with another address: the explicit choices must win.
            try n1.ns.run(["ip", "link", "add", "side0", "type", "veth", "peer", "name", "side1"])
            try n1.ns.run(["ip", "link", "set", "side1", "mtu", "9000", "up"])
            try n1.ns.run(["ip", "addr", "add", "172.31.0.1/24", "dev", "side0"])
            try n1.ns.run(["ip", "link", "set", "side0", "mtu", "9000", "up"])
            func local(_ options: String) throws -> (PluginExec.Output, String?, String?) {
                let out = try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, options: options, prevResult: VxlanCluster.emptyPrevResult))
                let info = (try c.vtep(n1)?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                return (out, info?["local"] as? String, info?["link"] as? String)
            }
            var (out, address, link) = try local("\"underlayInterface\": \"eth0\"")
            #expect(out.status == 0 && address == "192.168.50.11" && link == "eth0", "\(out.summary)")
            // localIP on the other interface: the device is recreated there, MTU from its 9000.
            (out, address, link) = try local("\"localIP\": \"172.31.0.1\", \"nodeName\": \"node1\"")
            #expect(out.status == 0 && address == "172.31.0.1" && link == "side0", "\(out.summary)")
            #expect(try c.vtep(n1)?["mtu"] as? Int == 8950)
            #expect(try c.vtep(n1)?["address"] as? String == VxlanCluster.derivedMAC(vni: 1, underlayIP: "172.31.0.1"))

            let missing = try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, options: "\"underlayInterface\": \"nope0\"", prevResult: VxlanCluster.emptyPrevResult))
            #expect(missing.code == 7 && (missing.json?["msg"] as? String ?? "").contains("nope0"), "\(missing.summary)")
            let foreign = try c.vxlan(n1, "ADD", config: c.vxlanConfig(n1, options: "\"localIP\": \"10.200.0.1\", \"nodeName\": \"node1\"", prevResult: VxlanCluster.emptyPrevResult))
            #expect(foreign.code == 7 && (foreign.json?["msg"] as? String ?? "").contains("10.200.0.1"), "\(foreign.summary)")
        }
    }
}
