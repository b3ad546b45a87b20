import CLinux
import CNISpec
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// DEL without waiting for the kernel to unregister the IFB (RCU grace periods, ~13-20 ms,
/// most of a synchronous DEL): the IFB is taken down (nothing passes it any more), marked and
/// renamed to a tombstone name, so the attachment's name is free at once for a new ADD; then
/// a detached process deletes it (as the bridge retires veths, `cni_delete_link_detached`).
/// A tombstone whose deletion never ran keeps its mark, by which GC removes it.
enum IfbRetirement {
    /// `bwpdel` + 8 random hex digits (14 bytes, within the kernel's 15).
    static let prefix = "bwpdel"

    static func tombstoneAlias(network: String) -> String { "swcni-bandwidth-retired:\(network)" }

    static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = String(UInt32.random(in: .min ... .max, using: &generator), radix: 16)
        return prefix + String(repeating: "0", count: 8 - hex.utf8.count) + hex
    }

    /// Retires `ifb` in the background; deletes it here when that cannot be arranged.
    static func retire(_ ifb: Link, network: String, host: NetlinkSocket) throws(CNIError) {
        if retireInBackground(ifb, network: network, host: host) { return }
        try attempt("failed to delete ifb \(ifb.name)", code: BandwidthFailure.changeFailed) {
            do { try host.deleteLink(index: ifb.index) } catch let error as NetlinkError where error.notFound {}
        }
    }

    private static func retireInBackground(_ ifb: Link, network: String, host: NetlinkSocket) -> Bool {
        do {
            try host.setUp(index: ifb.index, false)
            let alias = tombstoneAlias(network: network)
            if alias.utf8.count < 256 { try host.setAlias(index: ifb.index, alias) }
            for _ in 0..<4 {
                let name = randomName()
                do {
                    try host.rename(index: ifb.index, to: name)
                } catch let error as NetlinkError where error.alreadyExists {
                    continue
                }
                // The detached process opens the path itself: its own namespace, ours.
                if cni_delete_link_detached("/proc/self/ns/net", name) == 0 { return true }
                logger("DEL: could not start the background deletion of \(name) (errno \(errno)); deleting it now")
                return false
            }
        } catch {
            logger("DEL: could not retire \(ifb.name): \(error); deleting it now")
        }
        return false
    }
}
