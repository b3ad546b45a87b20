import BGPRouting
import CNISpec
import Netlink
import Testing

@Suite struct BirdConfigRendererTests {
    static let mesh = #"{"routing": {"mode": "bgp"}}"#

    @Test func deterministic() throws {
        let routing = try Fixtures.routing(Self.mesh)
        let a = try Fixtures.render(routing)
        let b = try Fixtures.render(routing)
        #expect(a == b)
        #expect(a.text.hasSuffix("}\n"))
    }

    @Test func routerIDKernelDeviceDirectAndStatic() throws {
        let text = try Fixtures.render(try Fixtures.routing(Self.mesh)).text
        #expect(text.contains("\nrouter id 192.168.60.11;\n"))
        #expect(Fixtures.block(text, "protocol device swcni_device") == ["\tscan time 10;"])
        #expect(Fixtures.block(text, "protocol direct swcni_direct") == ["\tipv4;", "\tipv6;", "\tinterface \"eth0\";"])
        #expect(Fixtures.block(text, "protocol kernel swcni_kernel4") == [
            "\tipv4 {", "\t\timport filter swcni_learn4;", "\t\texport filter swcni_to_kernel4;", "\t};",
            "\tlearn;", "\tscan time 10;", "\tmetric 64;", "\tgraceful restart on;",
        ])
        #expect(Fixtures.block(text, "protocol kernel swcni_kernel6")?.contains("\t\texport filter swcni_to_kernel6;") == true)
        #expect(Fixtures.block(text, "protocol static swcni_pods4") == ["\tipv4;", "\troute 10.244.1.0/24 blackhole;"])
        #expect(Fixtures.block(text, "protocol static swcni_pods6") == ["\tipv6;", "\troute fd00:10:244:1::/64 blackhole;"])
        #expect(!text.contains("protocol bfd"))
    }

    @Test func exportIsExactlyThisNodesPodCIDRs() throws {
        let text = try Fixtures.render(try Fixtures.routing(Self.mesh)).text
        #expect(Fixtures.block(text, "filter swcni_export4") == [
            "\tif source = RTS_STATIC && net ~ [ 10.244.1.0/24 ] then accept;", "\treject;",
        ])
        #expect(Fixtures.block(text, "filter swcni_export6") == [
            "\tif source = RTS_STATIC && net ~ [ fd00:10:244:1::/64 ] then accept;", "\treject;",
        ])
    }

    @Test func importIsOtherNodesPodCIDRsInsideTheClusterOnly() throws {
        // node3's CIDR lies outside the cluster CIDRs: never learned.
        var nodes = Fixtures.nodes
        nodes[2].podCIDRs = [InetPrefix("10.99.3.0/24")!]
        let text = try Fixtures.render(try Fixtures.routing(Self.mesh), nodes: nodes).text
        #expect(Fixtures.block(text, "filter swcni_import4") == ["\tif net ~ [ 10.244.2.0/24 ] then accept;", "\treject;"])
        #expect(Fixtures.block(text, "filter swcni_to_kernel4") == [
            "\tif source = RTS_BGP && net ~ [ 10.244.2.0/24 ] then accept;", "\treject;",
        ])
        // From a node: exactly that node's CIDRs (a node announcing another's is a hijack).
        #expect(Fixtures.block(text, "filter mesh_node2_import4") == ["\tif net ~ [ 10.244.2.0/24 ] then accept;", "\treject;"])
        #expect(Fixtures.block(text, "filter mesh_node3_import4") == ["\treject;"])
        #expect(Fixtures.block(text, "filter swcni_learn4") == ["\tif net ~ [ 10.244.0.0/16+ ] then reject;", "\taccept;"])
        #expect(Fixtures.block(text, "filter swcni_learn6") == ["\tif net ~ [ fd00:10:244::/48+ ] then reject;", "\taccept;"])
    }

    @Test func fullMeshSessions() throws {
        let rendered = try Fixtures.render(try Fixtures.routing(Self.mesh))
        #expect(rendered.sessions.map(\.protocolName) == ["mesh_node2", "mesh_node3"])
        #expect(rendered.sessions.allSatisfy { !$0.required })
        #expect(Fixtures.block(rendered.text, "protocol bgp mesh_node2") == [
            "\tdescription \"node node2\";",
            "\tlocal 192.168.60.11 as 64512;",
            "\tneighbor 192.168.60.12 as 64512;",
            "\tconnect retry time 5;",
            "\terror wait time 5, 60;",
            "\tgraceful restart on;",
            "\tipv4 {", "\t\timport filter mesh_node2_import4;", "\t\texport filter swcni_export4;", "\t};",
        ])
    }

    @Test func reflectorsAndExternalPeersServingThisNode() throws {
        let routing = try Fixtures.routing(
            """
            {"routing": {"mode": "bgp", "asn": 65010, "peers": "none", "bfd": true, "gracefulRestart": false, "holdTime": 9,
             "routeReflectors": [{"address": "192.168.60.1", "nodes": ["node1"]}, {"address": "192.168.61.1", "nodes": ["node3"]}],
             "externalPeers": [{"address": "192.168.60.254", "asn": 65001, "password": "s3cret", "required": false},
                               {"address": "fd00::fe", "asn": 65002}]}}
            """)
        let rendered = try Fixtures.render(routing)
        #expect(rendered.sessions.map(\.protocolName) == ["rr_192_168_60_1", "ext_192_168_60_254", "ext_fd00__fe"])
        #expect(rendered.sessions.map(\.required) == [true, false, true])
        #expect(rendered.skipped.isEmpty)
        #expect(!rendered.text.contains("mesh_"))
        #expect(rendered.text.contains("protocol bfd swcni_bfd {\n}"))
        #expect(Fixtures.block(rendered.text, "protocol bgp ext_192_168_60_254") == [
            "\tdescription \"external peer 192.168.60.254 AS 65001\";",
            "\tlocal 192.168.60.11 as 65010;",
            "\tneighbor 192.168.60.254 as 65001;",
            "\thold time 9;", "\tkeepalive time 3;",
            "\tconnect retry time 5;",
            "\terror wait time 5, 60;",
            "\tgraceful restart off;",
            "\tbfd on;",
            "\tpassword \"s3cret\";",
            "\tipv4 {", "\t\timport filter swcni_import4;", "\t\texport filter swcni_export4;", "\t};",
        ])
        // An IPv6 peer carries the IPv6 pod CIDRs; the local address is of the other family.
        let v6 = try #require(Fixtures.block(rendered.text, "protocol bgp ext_fd00__fe"))
        #expect(v6.contains("\tlocal as 65010;"))
        #expect(v6.contains("\tipv6 {") && !v6.contains("\tipv4 {"))
        #expect(Fixtures.block(rendered.text, "protocol kernel swcni_kernel4")?.contains("\tgraceful restart on;") == false)
    }

    @Test func nodeWithoutIPv6SkipsIPv6Peers() throws {
        let routing = try Fixtures.routing(#"{"routing": {"mode": "bgp", "externalPeers": [{"address": "fd00::fe", "asn": 65002}]}}"#)
        let nodes = Array(Fixtures.nodes.dropFirst(2)) + [Fixtures.node("node4", "192.168.61.14", ["10.244.4.0/24"])]
        let rendered = try Fixtures.render(routing, nodes: nodes)
        #expect(rendered.sessions.map(\.protocolName) == ["mesh_node4"])
        #expect(rendered.skipped == ["external peer fd00::fe AS 65002: no pod CIDR of its address family"])
        #expect(!rendered.text.contains("ipv6"))
    }

    @Test func routerIDOfAnIPv6NodeIsDerivedFromItsName() throws {
        let nodes = [Fixtures.node("v6a", "fd00::11", ["fd00:10:244:1::/64"]), Fixtures.node("v6b", "fd00::12", ["fd00:10:244:2::/64"])]
        let rendered = try Fixtures.render(try Fixtures.routing(Self.mesh), nodes: nodes)
        let line = try #require(rendered.text.split(separator: "\n").first { $0.hasPrefix("router id ") })
        #expect(line != "router id 0.0.0.0;")
        #expect(try Fixtures.render(try Fixtures.routing(Self.mesh), nodes: nodes).text == rendered.text)
        let configured = try Fixtures.render(try Fixtures.routing(#"{"routing": {"mode": "bgp", "routerID": "10.1.2.3"}}"#), nodes: nodes)
        #expect(configured.text.contains("\nrouter id 10.1.2.3;\n"))
    }

    @Test func oddNodeNamesBecomeDistinctSymbols() throws {
        #expect(BirdText.symbol("mesh", "node-1.example") != BirdText.symbol("mesh", "node_1_example"))
        #expect(BirdText.symbol("mesh", "node_1") == "mesh_node_1")
        let symbol = BirdText.symbol("mesh", "node-1.example")
        #expect(symbol.hasPrefix("mesh_node_1_example_") && symbol.count == "mesh_node_1_example_".count + 8)
    }

    @Test func aNodeNameThatWouldBreakTheFileIsRefused() throws {
        var nodes = Fixtures.nodes
        nodes[1].name = "evil\"; protocol"
        let error = #expect(throws: CNIError.self) { try Fixtures.render(try Fixtures.routing(Self.mesh), nodes: nodes) }
        #expect(error?.code == .invalidNetworkConfig)
    }
}
