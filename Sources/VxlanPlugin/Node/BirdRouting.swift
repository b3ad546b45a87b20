import BGPRouting
import CNISpec
import Netlink

/// Routing mode bgp: BIRD's configuration rendered from the same node list, written where
/// `routing.birdConfig` says, BIRD reloaded when it changed.
extension NodeReconciler {
    func ensureBird(selfNode: ClusterNode, nodes: [ClusterNode], cluster: [InetPrefix], underlay: Underlay)
        throws(CNIError) -> (BirdConfigRenderer.Rendered, BirdReconciler.Outcome)
    {
        func bgp(_ node: ClusterNode) -> BGPNode { BGPNode(name: node.name, address: node.underlayIP, podCIDRs: node.podCIDRs) }
        // The node's BGP address is the address its VTEP would send from.
        var me = bgp(selfNode)
        me.address = underlay.local
        let rendered = try BirdConfigRenderer(
            network: config.networkName, routing: config.routing, selfNode: me,
            nodes: nodes.map { $0.name == selfNode.name ? me : bgp($0) }, clusterCIDRs: cluster,
            underlayInterface: underlay.name
        ).render()
        for reason in rendered.skipped { Log.warning("BGP peer skipped: \(reason)") }
        let outcome = try BirdReconciler(routing: config.routing).apply(rendered)
        if let notice = outcome.notice { Log.warning(notice) }
        return (rendered, outcome)
    }

    /// Pods' MTU: the VTEP's with VXLAN; with routing bgp nothing is encapsulated, so the
    /// configured `mtu` or the underlay's.
    func podMTU(vtepMTU: UInt32, underlay: Underlay) -> UInt32 {
        config.routing.isBGP ? (config.mtu ?? underlay.mtu) : vtepMTU
    }
}
