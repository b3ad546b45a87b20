import BGPRouting
import CNISpec
import Netlink

/// Routing mode bgp: BIRD's configuration rendered from the same node list, written where
/// `routing.birdConfig` says, BIRD reloaded when it changed.
extension NodeReconciler {
    func ensureBird(selfNode: ClusterNode, nodes: [ClusterNode], cluster: [InetPrefix], underlay: Underlay)
        throws(CNIError) -> (BirdConfigRenderer.Rendered, BirdReconciler.Outcome)
    {
        let rendered = try renderBird(selfNode: selfNode, nodes: nodes, cluster: cluster, underlay: underlay)
        for reason in rendered.skipped { logger("BGP peer skipped: \(reason)") }
        let outcome = try BirdReconciler(routing: config.routing).apply(rendered)
        if let notice = outcome.notice { logger(notice) }
        return (rendered, outcome)
    }

    func renderBird(selfNode: ClusterNode, nodes: [ClusterNode], cluster: [InetPrefix], underlay: Underlay)
        throws(CNIError) -> BirdConfigRenderer.Rendered
    {
        func bgp(_ node: ClusterNode) -> BGPNode { BGPNode(name: node.name, address: node.underlayIP, podCIDRs: node.podCIDRs) }
        // The node's BGP address is the address its VTEP would send from.
        var me = bgp(selfNode)
        me.address = underlay.local
        return try BirdConfigRenderer(
            network: config.networkName, routing: config.routing, selfNode: me,
            nodes: nodes.map { $0.name == selfNode.name ? me : bgp($0) }, clusterCIDRs: cluster,
            underlayInterface: underlay.name
        ).render()
    }

    /// CHECK: BIRD's file is what this node list renders (BIRD itself is STATUS's business).
    func birdProblems(selfNode: ClusterNode, nodes: [ClusterNode], underlay: Underlay) throws(CNIError) -> [String] {
        let rendered = try renderBird(
            selfNode: selfNode, nodes: nodes, cluster: config.clusterCIDRs(nodes: nodes), underlay: underlay)
        let path = config.routing.birdConfig
        guard let onDisk = try BirdConfigFile.read(path) else { return ["BIRD configuration \(path) does not exist"] }
        return onDisk == Array(rendered.text.utf8) ? [] : ["BIRD configuration \(path) differs from the one this node list renders"]
    }

    /// Pods' MTU: the VTEP's with VXLAN; with routing bgp nothing is encapsulated, so the
    /// configured `mtu` or the underlay's.
    func podMTU(vtepMTU: UInt32, underlay: Underlay) -> UInt32 {
        config.routing.isBGP ? (config.mtu ?? underlay.mtu) : vtepMTU
    }
}
