import CNISpec
import Netlink
import PluginRuntime

/// DEL: removes the attachment's IFB device (found by its deterministic name; deleted in the
/// background, see `IfbRetirement`) and, when the host veth can still be reached through the
/// namespace, the qdiscs on it. Needs no
/// `prevResult` and no valid limits; succeeds when everything is already gone.
struct BandwidthDel {
    let request: CNIRequest

    func run() throws(CNIError) {
        let host = try attempt("could not open a netlink socket in the host namespace", code: BandwidthFailure.changeFailed) {
            try NetlinkSocket()
        }
        let name = IfbName.make(network: request.config.name, containerID: request.containerID, ifName: request.ifName)
        let found = try attempt("failed to look up ifb \(name)", code: BandwidthFailure.changeFailed) { try host.link(named: name) }
        let ifb = found?.kind == "ifb" ? found : nil
        if let found, ifb == nil { logger("DEL: \(name) is a \(found.kind ?? "device without a kind"), not our ifb; left in place") }

        // The veth outlives DEL when the runtime tears the chain down in parts: it must not
        // keep redirecting to a deleted IFB or stay shaped.
        let lookup: HostVeth.Lookup
        do {
            lookup = try HostVeth.find(netns: request.netns, ifName: request.ifName, host: host, listedIn: nil)
        } catch {
            logger("DEL: \(error); removing the ifb only")
            lookup = .gone
        }
        if case .found(let veth) = lookup {
            let qdiscs = try attempt("failed to list the qdiscs of \(veth.name)", code: BandwidthFailure.changeFailed) {
                try host.queueDisciplines(index: veth.index)
            }
            if qdiscs.contains(where: { $0.kind == "tbf" && $0.parent == TrafficControlHandle.root && $0.handle == TrafficControlHandle.make(1, 0) }) {
                try attempt("failed to delete the tbf qdisc of \(veth.name)", code: BandwidthFailure.changeFailed) {
                    try host.deleteQueueDiscipline(index: veth.index, parent: TrafficControlHandle.root, handle: TrafficControlHandle.make(1, 0))
                }
            }
            if let ifb, let hook = ingressHook(in: qdiscs) {
                let filters = try attempt("failed to list the ingress filters of \(veth.name)", code: BandwidthFailure.changeFailed) {
                    try host.ingressFilters(index: veth.index)
                }
                let ours = filters.contains { $0.priority == NetlinkSocket.redirectPriority && $0.egressRedirects.contains(ifb.index) }
                let others = filters.contains { $0.priority != NetlinkSocket.redirectPriority }
                if ours && hook.kind == "ingress" && !others {
                    removeIngress(of: veth, host: host)
                } else if ours {
                    // A shared hook (the vxlan data path's clsact): only the redirect goes.
                    try attempt("failed to delete the redirect of \(veth.name)", code: BandwidthFailure.changeFailed) {
                        try host.deleteIngressRedirect(index: veth.index)
                    }
                }
            }
        }
        if let ifb { try IfbRetirement.retire(ifb, network: request.config.name, host: host) }
    }
}
