import CNISpec
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// DEL forgets the container's flows: the host's conntrack entries in which one of its
/// addresses is a source or destination (its own connections, connections to it, and those
/// port-forwarded to it). Left behind they would outlive the container (minutes for TCP
/// TIME_WAIT, days for an established flow) and, once host-local hands the address out again,
/// steer a stale flow to the new owner. The reference leaves them.
///
/// Runs after the veth is disconnected (no new packet of the container) and before the
/// address is released (no other attachment can hold it yet). Best effort: a failure is
/// logged, DEL still succeeds.
///
/// Cost: a ctnetlink dump makes the kernel walk its whole conntrack hash (shared by all
/// namespaces; ~10 ms for 262144 buckets here), so it is skipped when this namespace tracks
/// nothing (`nf_conntrack_count` 0, or conntrack not loaded).
enum ConntrackFlush {
    static func forget(_ addresses: Set<InetAddress>) {
        guard !addresses.isEmpty, let count = try? Sysctl.get("net/netfilter/nf_conntrack_count"), count != "0" else { return }
        do {
            try NetlinkSocket.netfilter().deleteConntrackEntries(involving: addresses)
        } catch {
            logger("DEL: could not delete the conntrack entries of \(addresses.map(\.description).sorted()): \(error)")
        }
    }

    /// The addresses of the container's interfaces in `result` (the runtime's cached result,
    /// DEL's prevResult); host-side interfaces and unparsable entries are skipped.
    static func containerAddresses(in result: CNIResult?) -> Set<InetAddress> {
        guard let result else { return [] }
        var found: Set<InetAddress> = []
        for ip in result.ips {
            if let index = ip.interface, index >= 0, index < result.interfaces.count,
                (result.interfaces[index].sandbox ?? "").isEmpty
            {
                continue
            }
            if let prefix = InetPrefix(ip.address) { found.insert(prefix.address) }
        }
        return found
    }
}
