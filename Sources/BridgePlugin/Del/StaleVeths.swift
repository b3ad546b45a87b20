import AttachmentNaming
import CNISpec
import Netlink

/// GC of interfaces: host veth ends whose alias names an attachment of this network that
/// is not in the valid set (their container's DEL never came) are deleted with their peer,
/// and so are host ends of pairs retired by DEL whose background deletion never ran.
enum StaleVeths {
    static func delete(network: String, keeping valid: [CNIAttachment]) throws(CNIError) {
        let keep = Set(valid.map { "\($0.containerID)/\($0.ifname)" })
        let host = try attempt("could not open a netlink socket in the host namespace") { try NetlinkSocket() }
        let links = try attempt("could not list the host's links") { try host.linkAliases() }
        let tombstone = AttachmentAlias.tombstone(network: network)
        for link in links where link.kind == "veth" {
            if link.alias == tombstone {  // retired by DEL, its background deletion never ran
                try attempt("failed to delete retired host veth \(link.name)") {
                    do { try host.deleteLink(index: link.index) } catch where error.isNotFound {}
                }
                continue
            }
            guard let attachment = AttachmentAlias.attachment(of: link.alias, network: network),
                !keep.contains("\(attachment.containerID)/\(attachment.ifName)")
            else { continue }
            try attempt("failed to delete stale host veth \(link.name) (\(link.alias))") {
                do { try host.deleteLink(index: link.index) } catch where error.isNotFound {}
            }
        }
    }
}
