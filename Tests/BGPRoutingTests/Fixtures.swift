import BGPRouting
import CNISpec
import Netlink
import JSONSupport

enum Fixtures {
    static func node(_ name: String, _ address: String, _ cidrs: [String]) -> BGPNode {
        BGPNode(name: name, address: InetAddress(address)!, podCIDRs: cidrs.map { InetPrefix($0)! })
    }

    static let nodes = [
        node("node1", "192.168.60.11", ["10.244.1.0/24", "fd00:10:244:1::/64"]),
        node("node2", "192.168.60.12", ["10.244.2.0/24", "fd00:10:244:2::/64"]),
        node("node3", "192.168.61.13", ["10.244.3.0/24"]),
    ]

    static let cluster = ["10.244.0.0/16", "fd00:10:244::/48"].map { InetPrefix($0)! }

    /// The routing config parsed from the JSON text of a plugin object.
    static func routing(_ json: String) throws(CNIError) -> RoutingConfig {
        let value: JSONValue
        do { value = try JSONParser.parse(Array(json.utf8)) } catch {
            throw CNIError(.decodingFailure, "bad fixture JSON", details: "\(error)")
        }
        guard case .object(let object) = value else { throw CNIError(.decodingFailure, "fixture is not an object") }
        return try RoutingConfig(reader: JSONFieldReader(object))
    }

    static func render(_ routing: RoutingConfig, selfIndex: Int = 0, nodes: [BGPNode] = nodes) throws -> BirdConfigRenderer.Rendered {
        try BirdConfigRenderer(
            network: "cluster", routing: routing, selfNode: nodes[selfIndex], nodes: nodes, clusterCIDRs: cluster,
            underlayInterface: "eth0"
        ).render()
    }

    /// The lines of the block that starts with `header` (up to its closing brace at column 0).
    static func block(_ text: String, _ header: String) -> [String]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: header + " {") else { return nil }
        guard let end = lines[start...].firstIndex(of: "}") else { return nil }
        return Array(lines[(start + 1)..<end])
    }
}
