import CNISpec
import Netlink
import Testing

@testable import Overlay
import JSONSupport

@Suite("node inventory shapes")
struct NodeInventoryTests {
    func parse(_ json: String) throws -> [ClusterNode] {
        try NodeInventory.parse(try JSONParser.parse(json), source: "test")
    }

    @Test func bareArrayAndNodesObject() throws {
        let array = try parse("[{\"name\": \"n1\", \"underlayIP\": \"10.0.0.1\", \"podCIDRs\": [\"10.244.1.7/24\"]}]")
        #expect(array == [node("n1", "10.0.0.1", "10.244.1.0/24")])  // host bits cleared
        let object = try parse("{\"nodes\": [{\"name\": \"n1\", \"underlayIP\": \"10.0.0.1\", \"podCIDR\": \"10.244.1.0/24\"}]}")
        #expect(object == array)
    }

    @Test func kubernetesNodeList() throws {
        let nodes = try parse("""
            {"apiVersion": "v1", "kind": "List", "items": [
              {"kind": "Node", "metadata": {"name": "k1"},
               "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24", "fd00:10:244::/64"]},
               "status": {"addresses": [{"type": "Hostname", "address": "k1"}, {"type": "InternalIP", "address": "fd00::1"},
                                        {"type": "InternalIP", "address": "172.18.0.2"}]}},
              {"kind": "Node", "metadata": {"name": "k2"}, "spec": {"podCIDR": "10.244.1.0/24"},
               "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]}},
              {"kind": "Node", "metadata": {"name": "not-yet-allocated"}, "spec": {},
               "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.4"}]}}
            ]}
            """)
        #expect(nodes.map(\.name) == ["k1", "k2"])
        // The InternalIP of the first pod CIDR's family is the underlay address.
        #expect(nodes[0].underlayIP == InetAddress("172.18.0.2"))
        #expect(nodes[0].podCIDRs.map(\.description) == ["10.244.0.0/24", "fd00:10:244::/64"])
        #expect(nodes[1] == node("k2", "172.18.0.3", "10.244.1.0/24"))
    }

    @Test func rejectsOtherShapes() {
        #expect(throws: CNIError.self) { try parse("\"nodes\"") }
        #expect(throws: CNIError.self) { try parse("{\"something\": 1}") }
        #expect(throws: CNIError.self) { try parse("[1]") }
    }
}
