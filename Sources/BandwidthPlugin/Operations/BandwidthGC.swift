import CNISpec
import Netlink

/// GC: deletes this network's IFB devices (found by their alias) whose attachment is not valid,
/// and retired ones whose background deletion never ran.
struct BandwidthGC {
    let network: String
    let valid: [CNIAttachment]

    func run() throws(CNIError) {
        let host = try attempt("could not open a netlink socket in the host namespace", code: BandwidthFailure.changeFailed) {
            try NetlinkSocket()
        }
        let links = try attempt("could not list the host's links", code: BandwidthFailure.changeFailed) { try host.linkAliases() }
        let prefix = IfbName.aliasPrefix(network: network)
        let keep = Set(valid.map { IfbName.alias(network: network, containerID: $0.containerID, ifName: $0.ifname) })
        let retired = IfbRetirement.tombstoneAlias(network: network)
        for link in links where link.kind == "ifb" && (link.alias == retired || (link.alias.hasPrefix(prefix) && !keep.contains(link.alias))) {
            try attempt("failed to delete stale ifb \(link.name)", code: BandwidthFailure.changeFailed) {
                do { try host.deleteLink(index: link.index) } catch let error as NetlinkError where error.notFound {}
            }
        }
    }
}
