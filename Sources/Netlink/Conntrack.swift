import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// Conntrack entries through ctnetlink (`NETLINK_NETFILTER`, subsystem `NFNL_SUBSYS_CTNETLINK`).
///
/// Only what portmap needs: delete the entries whose original tuple goes to given
/// destination ports of one protocol. The kernel has no filter for that in a delete, so the
/// table of the family is dumped and each matching entry deleted by its original tuple
/// (what the reference does through the Go netlink library).
public enum Conntrack {
    /// The message type of ctnetlink message `message` (`IPCTNL_MSG_CT_*`).
    static func messageType(_ message: UInt32) -> UInt16 {
        UInt16(nl: (Int(NFNL_SUBSYS_CTNETLINK) << 8) | Int(message))
    }

    /// `struct nfgenmsg`: family, `NFNETLINK_V0`, resource id 0 (big-endian).
    static func header(family: UInt8) -> [UInt8] { [family, UInt8(NFNETLINK_V0), 0, 0] }

    /// One entry as dumped: the raw original tuple (sent back to delete it) and its zone.
    struct Entry {
        var originalTuple: [UInt8]
        var zone: [UInt8]?
        var protocolNumber: UInt8
        var destinationPort: UInt16
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
        return Entry(
            originalTuple: tuple, zone: attributes.payload(UInt16(nl: CTA_ZONE.rawValue)), protocolNumber: number,
            destinationPort: port)
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
        let dump = NetlinkMessage(type: Conntrack.messageType(IPCTNL_MSG_CT_GET.rawValue), flags: 0)
        dump.append(raw: Conntrack.header(family: UInt8(family)))
        let entries = try self.dump(dump, "dump conntrack table (family \(family))")
            .compactMap(Conntrack.entry)
            .filter { $0.protocolNumber == protocolNumber && destinationPorts.contains($0.destinationPort) }
        var deleted = 0
        for entry in entries {
            let message = NetlinkMessage(type: Conntrack.messageType(IPCTNL_MSG_CT_DELETE.rawValue), flags: 0)
            message.append(raw: Conntrack.header(family: UInt8(family)))
            message.put(UInt16(nl: CTA_TUPLE_ORIG.rawValue) | UInt16(nl: NLA_F_NESTED), entry.originalTuple)
            if let zone = entry.zone { message.put(UInt16(nl: CTA_ZONE.rawValue), zone) }
            do {
                try request(message, "delete conntrack entry (protocol \(protocolNumber), port \(entry.destinationPort))")
                deleted += 1
            } catch let error as NetlinkError where error.errno == ENOENT {
                continue  // expired or deleted by someone else meanwhile
            }
        }
        return deleted
    }
}
