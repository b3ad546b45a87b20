import Netlink

/// The prefix sets of one address family that BIRD's filters are built from (pure).
struct PrefixSets {
    let ipv4: Bool
    /// This node's pod CIDRs: exactly what it announces.
    var own: [InetPrefix] = []
    /// Every other node's pod CIDRs that lie inside a cluster CIDR: all it may learn.
    var others: [InetPrefix] = []
    /// Pod CIDRs per other node (inside the cluster CIDRs), for the per-peer mesh filters.
    var perNode: [(name: String, cidrs: [InetPrefix])] = []
    /// The cluster CIDRs: never learned from the kernel table.
    var cluster: [InetPrefix] = []

    init(ipv4: Bool, selfNode: BGPNode, nodes: [BGPNode], clusterCIDRs: [InetPrefix]) {
        self.ipv4 = ipv4
        cluster = clusterCIDRs.filter { $0.address.isIPv4 == ipv4 }
        own = selfNode.podCIDRs.filter { $0.address.isIPv4 == ipv4 }
        for node in nodes where node.name != selfNode.name {
            let inside = node.podCIDRs.filter { cidr in
                cidr.address.isIPv4 == ipv4 && cluster.contains { $0.contains(cidr) }
                    && !own.contains { $0.overlaps(cidr) }
            }
            perNode.append((node.name, inside))
            others += inside
        }
    }

    /// BIRD prefix-set text: `[ a/n, b/m ]`, each with `suffix` (`+`: and more specifics).
    static func set(_ prefixes: [InetPrefix], suffix: String = "") -> String {
        "[ " + prefixes.map { "\($0.network)/\($0.length)\(suffix)" }.joined(separator: ", ") + " ]"
    }
}
