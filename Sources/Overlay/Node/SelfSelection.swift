import CNISpec
import Netlink

/// Picks this node out of the node list: by `nodeName`, else by `localIP`, else by the
/// first node whose underlay IP is an address of this host, else by host name.
public enum SelfSelection {
    public static func select(
        nodes: [ClusterNode], nodeName: String?, localIP: InetAddress?, localAddresses: [InetAddress], hostname: String?
    ) throws(CNIError) -> ClusterNode {
        if let nodeName {
            guard let node = nodes.first(where: { $0.name == nodeName }) else {
                throw CNIError(
                    .invalidNetworkConfig, "nodeName \"\(nodeName)\" is not in the node list",
                    details: "nodes: \(nodes.map(\.name).joined(separator: ", "))")
            }
            return node
        }
        if let localIP {
            guard let node = nodes.first(where: { $0.underlayIP == localIP }) else {
                throw CNIError(.invalidNetworkConfig, "no node in the node list has underlayIP \(localIP) (localIP)")
            }
            return node
        }
        if let node = nodes.first(where: { localAddresses.contains($0.underlayIP) }) { return node }
        if let hostname, let node = nodes.first(where: { $0.name == hostname }) { return node }
        throw CNIError(
            .invalidNetworkConfig, "this node is not in the node list",
            details: "no node's underlayIP is a local address and none is named \"\(hostname ?? "")\"; set nodeName or localIP")
    }
}
