import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// Conntrack entries through ctnetlink (`NETLINK_NETFILTER`, subsystem `NFNL_SUBSYS_CTNETLINK`).
///
/// Deletions only: the entries whose original tuple goes to given destination ports of one
/// protocol (portmap), and the entries of flows from or to given addresses (bridge DEL). The
/// kernel has no such filter in a delete, so the table of the family is dumped and each
/// matching entry deleted by its original tuple (what the reference does through the Go
/// netlink library).
public enum Conntrack {
    /// The message type of ctnetlink message `message` (`IPCTNL_MSG_CT_*`).
    static func messageType(_ message: UInt32) -> UInt16 {
        UInt16(nl: (Int(NFNL_SUBSYS_CTNETLINK) << 8) | Int(message))
    }

    /// `struct nfgenmsg`: family, `NFNETLINK_V0`, resource id 0 (big-endian).
    static func header(family: UInt8) -> [UInt8] { [family, UInt8(NFNETLINK_V0), 0, 0] }

    /// One entry as dumped: the raw original tuple (sent back to delete it), its zone, and the
    /// source and destination addresses of both directions (original, then reply).
    struct Entry {
        /// `AF_INET` or `AF_INET6` (the reply's `nfgenmsg`).
        var family: UInt8
        var originalTuple: [UInt8]
        var zone: [UInt8]?
        var protocolNumber: UInt8
        var destinationPort: UInt16
        var addresses: [InetAddress]
    }

    /// The source and destination addresses of a `CTA_TUPLE_*` nest.
    static func addresses(ofTuple tuple: [UInt8]) -> [InetAddress] {
        guard let ip = NetlinkAttributes(decoding: tuple).nested(UInt16(nl: CTA_TUPLE_IP.rawValue)) else { return [] }
        let types = [CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST].map { UInt16(nl: $0.rawValue) }
        return types.compactMap { ip.payload($0).flatMap(InetAddress.init(bytes:)) }
    }

    static func entry(_ reply: NetlinkReply) -> Entry? {
        guard reply.type == messageType(IPCTNL_MSG_CT_NEW.rawValue) else { return nil }
        let attributes = reply.attributes(afterFamilyHeader: 4)
        guard let tuple = attributes.payload(UInt16(nl: CTA_TUPLE_ORIG.rawValue)) else { return nil }
        let proto = NetlinkAttributes(decoding: tuple).nested(UInt16(nl: CTA_TUPLE_PROTO.rawValue))
        guard let number = proto?.u8(UInt16(nl: CTA_PROTO_NUM.rawValue)) else { return nil }
        var port: UInt16 = 0
        if let bytes = proto?.payload(UInt16(nl: CTA_PROTO_DST_PORT.rawValue)), bytes.count == 2 {
            port = UInt16(bytes[0]) << 8 | UInt16(bytes[1])  // network order
        }
        let replyTuple = attributes.payload(UInt16(nl: CTA_TUPLE_REPLY.rawValue)) ?? []
        return Entry(
            family: reply.payload.first ?? 0, originalTuple: tuple, zone: attributes.payload(UInt16(nl: CTA_ZONE.rawValue)),
            protocolNumber: number, destinationPort: port, addresses: addresses(ofTuple: tuple) + addresses(ofTuple: replyTuple))
    }
}

extension NetlinkSocket {
    /// A `NETLINK_NETFILTER` socket in the calling thread's network namespace.
    public static func netfilter() throws -> NetlinkSocket {
        try NetlinkSocket(protocol: NETLINK_NETFILTER)
    }

    /// Deletes the conntrack entries of `family` (`AF_INET`, `AF_INET6`) whose original tuple
    /// is protocol `protocolNumber` (`IPPROTO_UDP`, ...) to one of `destinationPorts`.
    /// Entries that vanish in between are not an error. Returns how many were deleted.
    @discardableResult
    public func deleteConntrackEntries(
        family: Int32, protocolNumber: UInt8, destinationPorts: Set<UInt16>
    ) throws -> Int {
        guard !destinationPorts.isEmpty else { return 0 }
        return try deleteConntrackEntries(family: family, "protocol \(protocolNumber), ports \(destinationPorts.sorted())") {
            $0.protocolNumber == protocolNumber && destinationPorts.contains($0.destinationPort)
        }
    }

    /// Deletes the conntrack entries in which one of `addresses` is the source or the
    /// destination of either direction: every flow from, to, or translated to or from them (a
    /// DNAT to the address shows it as the reply's source only). One dump of both families:
    /// the kernel walks its whole conntrack hash for a dump, whatever it returns. Entries that
    /// vanish in between are not an error. Returns how many were deleted.
    @discardableResult
    public func deleteConntrackEntries(involving addresses: Set<InetAddress>) throws -> Int {
        guard !addresses.isEmpty else { return 0 }
        let what = "of " + addresses.map(\.description).sorted().joined(separator: ", ")
        return try deleteConntrackEntries(family: AF_UNSPEC, what) { $0.addresses.contains(where: addresses.contains) }
    }

    /// Dumps the entries of `family` (`AF_UNSPEC`: all) and deletes those `matches` selects.
    private func deleteConntrackEntries(family: Int32, _ what: String, where matches: (Conntrack.Entry) -> Bool) throws -> Int {
        let dump = NetlinkMessage(type: Conntrack.messageType(IPCTNL_MSG_CT_GET.rawValue), flags: 0)
        dump.append(raw: Conntrack.header(family: UInt8(family)))
        let entries = try self.dump(dump, "dump conntrack table (family \(family))")
            .compactMap(Conntrack.entry)
            .filter(matches)
        var deleted = 0
        for entry in entries {
            let message = NetlinkMessage(type: Conntrack.messageType(IPCTNL_MSG_CT_DELETE.rawValue), flags: 0)
            message.append(raw: Conntrack.header(family: entry.family))
            message.put(UInt16(nl: CTA_TUPLE_ORIG.rawValue) | UInt16(nl: NLA_F_NESTED), entry.originalTuple)
            if let zone = entry.zone { message.put(UInt16(nl: CTA_ZONE.rawValue), zone) }
            do {
                try request(message, "delete conntrack entry (\(what))")
                deleted += 1
            } catch let error as NetlinkError where error.errno == ENOENT {
                continue  // expired or deleted by someone else meanwhile
            }
        }
        return deleted
    }
}
