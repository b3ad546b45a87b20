import AttachmentNaming
import CLinux
import CNISpec
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// DEL without waiting for the kernel to unregister the veth (RCU grace periods, ~16-30 ms):
/// the container end is taken down (the host end loses carrier and the bridge port stops
/// forwarding: no frame passes any more) and renamed to a tombstone name, so `CNI_IFNAME` is
/// free at once; then a detached process deletes the tombstone (which takes the host end with
/// it). If that process never gets to it, the tombstone dies with the container's namespace,
/// and the host end still carries its attachment alias, by which GC removes it.
enum Tombstone {
    /// `cnidel` + 8 random hex digits (14 bytes, within the kernel's 15).
    static let prefix = "cnidel"

    static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = String(UInt32.random(in: .min ... .max, using: &generator), radix: 16)
        return prefix + String(repeating: "0", count: 8 - hex.utf8.count) + hex
    }

    static func isTombstoneName(_ name: String) -> Bool {
        name.hasPrefix(prefix) && name.utf8.count == prefix.utf8.count + 8
    }

    /// Disconnects `link` (down, renamed) and starts its deletion in the background. False
    /// when it could not be renamed or the background process could not start: the caller
    /// then deletes the link itself (it is down by then).
    static func retire(
        _ link: Link, in container: NetlinkSocket, netnsPath: String, attachmentAlias: String, network: String
    ) throws(CNIError) -> Bool {
        try attempt("failed to set \(link.name) down in \(netnsPath)") {
            do { try container.setUp(index: link.index, false) } catch where error.isNotFound {}
        }
        markHostEnd(of: link, attachmentAlias: attachmentAlias, network: network)
        var name = ""
        for _ in 0..<4 {
            let candidate = randomName()
            do {
                try container.rename(index: link.index, to: candidate)
                name = candidate
                break
            } catch where error.isAlreadyExists {
                continue
            } catch {
                logger("DEL: could not rename \(link.name) to a tombstone name: \(error); deleting it now")
                return false
            }
        }
        guard !name.isEmpty else { return false }
        guard cni_delete_link_detached(netnsPath, name) == 0 else {
            logger("DEL: could not start the background deletion of \(name) (errno \(errno)); deleting it now")
            return false
        }
        return true
    }

    /// The host end (the peer, in this process's namespace) gets the tombstone alias instead of
    /// the attachment's, so a re-ADD's new veth is the only one named by the attachment alias
    /// and GC/DEL can remove a tombstone whose background deletion never ran. Only a peer that
    /// carries this attachment's alias is touched. Best effort: the pair goes anyway.
    private static func markHostEnd(of link: Link, attachmentAlias: String, network: String) {
        guard let peer = link.linkIndex else { return }
        do {
            let host = try NetlinkSocket()
            guard let hostEnd = try host.linkAlias(index: peer), hostEnd.kind == "veth", hostEnd.alias == attachmentAlias
            else { return }
            try host.setAlias(index: peer, AttachmentAlias.tombstone(network: network))
        } catch {
            logger("DEL: could not mark the host end of \(link.name) as retired: \(error)")
        }
    }
}
