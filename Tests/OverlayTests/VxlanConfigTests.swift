import CNISpec
import Netlink
import Testing

@testable import Overlay

@Suite("vxlan configuration")
struct VxlanConfigTests {
    @Test func defaults() throws {
        let c = try vxlanConfig("{\(threeNodes)}")
        #expect(c.vni == 1)
        #expect(c.port == 4789)
        #expect(c.device == "vxlan.1")
        #expect(c.localIP == nil && c.underlayInterface == nil && c.mtu == nil)
        #expect(!c.directRouting && !c.learning && !c.ipMasq)
        #expect(c.dataPath == .auto)
        #expect(c.nodes.count == 3)
        #expect(c.nodes[1].podCIDRs.map(\.description) == ["10.244.2.0/24", "fd00:2::/64"])
        #expect(c.nodes[2].vtepMAC == MACAddress("02:00:00:00:00:03"))
        // Cluster CIDRs default to every node's pod CIDRs.
        #expect(c.clusterCIDRs(nodes: c.nodes).map(\.description) == ["10.244.1.0/24", "10.244.2.0/24", "fd00:2::/64", "10.244.3.0/24"])
    }

    @Test func explicitValues() throws {
        let c = try vxlanConfig("""
            {"vni": 4096, "port": 8472, "device": "flannel.4096", "localIP": "192.168.1.1", "underlayInterface": "eth1",
             "mtu": 1400, "clusterCIDRs": ["10.244.7.9/16"], "peersFile": "/p.json", "nodeName": "a",
             "directRouting": true, "learning": true, "ipMasq": true, \(threeNodes)}
            """)
        #expect(c.vni == 4096 && c.port == 8472 && c.device == "flannel.4096")
        #expect(c.localIP == InetAddress("192.168.1.1") && c.underlayInterface == "eth1" && c.mtu == 1400)
        #expect(c.clusterCIDRs(nodes: c.nodes).map(\.description) == ["10.244.0.0/16"])
        #expect(c.peersFile == "/p.json" && c.nodeName == "a" && c.directRouting && c.learning && c.ipMasq)
    }

    @Test func dataPathValues() throws {
        #expect(try vxlanConfig("{\"dataPath\": \"auto\", \(threeNodes)}").dataPath == .auto)
        #expect(try vxlanConfig("{\"dataPath\": \"ebpf\", \(threeNodes)}").dataPath == .ebpf)
        #expect(try vxlanConfig("{\"dataPath\": \"kernel\", \(threeNodes)}").dataPath == .kernel)
    }

    @Test func deviceNameFollowsVNI() throws {
        #expect(try vxlanConfig("{\"vni\": 16777215, \(threeNodes)}").device == "vxlan.16777215")
    }

    @Test(arguments: [
        ("{\"vni\": 16777216, NODES}", CNIErrorCode.invalidNetworkConfig, "invalid vni"),
        ("{\"vni\": -1, NODES}", .invalidNetworkConfig, "invalid vni"),
        ("{\"vni\": \"1\", NODES}", .decodingFailure, "wrong type for field \"vni\""),
        ("{\"port\": 0, NODES}", .invalidNetworkConfig, "invalid port"),
        ("{\"port\": 65536, NODES}", .invalidNetworkConfig, "invalid port"),
        ("{\"device\": \"a-very-long-name\", NODES}", .invalidNetworkConfig, "invalid device name"),
        ("{\"device\": \"bad/name\", NODES}", .invalidNetworkConfig, "invalid device name"),
        ("{\"mtu\": 67, NODES}", .invalidNetworkConfig, "invalid mtu"),
        ("{\"localIP\": \"1.2.3\", NODES}", .invalidNetworkConfig, "invalid IP address"),
        ("{\"dataPath\": \"xdp\", NODES}", .invalidNetworkConfig, "invalid dataPath \"xdp\""),
        ("{\"dataPath\": \"EBPF\", NODES}", .invalidNetworkConfig, "invalid dataPath"),
        ("{\"dataPath\": true, NODES}", .decodingFailure, "wrong type for field \"dataPath\""),
        ("{\"clusterCIDRs\": [\"10.0.0.0\"], NODES}", .invalidNetworkConfig, "invalid CIDR"),
        ("{}", .invalidNetworkConfig, "no cluster nodes configured"),
        ("{\"nodes\": [{\"name\": \"a\", \"podCIDRs\": [\"10.0.0.0/24\"]}]}", .invalidNetworkConfig, "nodes[0].underlayIP is required"),
        ("{\"nodes\": [{\"name\": \"a\", \"underlayIP\": \"1.1.1.1\"}]}", .invalidNetworkConfig, "nodes[0].podCIDRs is required"),
        ("{\"nodes\": [{\"name\": \"a\", \"underlayIP\": \"1.1.1.1\", \"podCIDRs\": [\"10.0.0.0/24\"], \"vtepMAC\": \"01:00:00:00:00:01\"}]}",
         .invalidNetworkConfig, "invalid nodes[0].vtepMAC"),
        ("{\"nodes\": [{\"name\": \"a\", \"underlayIP\": \"1.1.1.1\", \"podCIDRs\": [\"10.0.0.0/24\"]}, {\"name\": \"a\", \"underlayIP\": \"1.1.1.2\", \"podCIDRs\": [\"10.0.1.0/24\"]}]}",
         .invalidNetworkConfig, "listed twice"),
        ("{\"nodes\": [{\"name\": \"a\", \"underlayIP\": \"1.1.1.1\", \"podCIDRs\": [\"10.0.0.0/24\"]}, {\"name\": \"b\", \"underlayIP\": \"1.1.1.1\", \"podCIDRs\": [\"10.0.1.0/24\"]}]}",
         .invalidNetworkConfig, "share underlay IP"),
        ("{\"nodes\": [{\"name\": \"a\", \"underlayIP\": \"1.1.1.1\", \"podCIDRs\": [\"10.0.0.0/16\"]}, {\"name\": \"b\", \"underlayIP\": \"1.1.1.2\", \"podCIDRs\": [\"10.0.1.0/24\"]}]}",
         .invalidNetworkConfig, "overlaps"),
    ])
    func rejects(_ template: String, _ code: CNIErrorCode, _ message: String) {
        let json = template.replacingOccurrences(of: "NODES", with: threeNodes)
        do {
            _ = try vxlanConfig(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(error.msg.contains(message), "\(error)")
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
