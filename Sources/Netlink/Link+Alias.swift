import CMnl

#if canImport(Glibc)
import Glibc
#endif

// Interface aliases (`IFLA_IFALIAS`, `ip link set dev X alias TEXT`), which the bridge plugin uses to
// mark the host end of each attachment's veth so DEL and GC can find it without the netns.

/// A link and its alias, from `linkAliases()`.
public struct LinkAlias: Sendable, Equatable {
    public var index: Int32
    public var name: String
    public var kind: String?
    public var alias: String
}

extension NetlinkSocket {
    /// Sets the alias of link `index` (at most 255 bytes).
    public func setAlias(index: Int32, _ alias: String) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_IFALIAS), string: alias)
        try request(message, "set alias of ifindex \(index)")
    }

    /// Every link of the namespace that has an alias.
    public func linkAliases() throws -> [LinkAlias] {
        try dump(LinkMessage.get(), "dump links", keeping: UInt16(nl: RTM_NEWLINK), Self.linkAlias)
    }

    /// Link `index` with its alias (one `GET`, not a dump); nil when it does not exist or has
    /// no alias.
    public func linkAlias(index: Int32) throws -> LinkAlias? {
        try lookup(LinkMessage.get(index: index), "get link ifindex \(index)", Self.linkAlias)
    }

    private static func linkAlias(_ reply: NetlinkReply) -> LinkAlias? {
        guard let header = InterfaceInfoHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: InterfaceInfoHeader.size)
        guard let alias = a.string(UInt16(nl: IFLA_IFALIAS)), !alias.isEmpty else { return nil }
        let kind = a.nested(UInt16(nl: IFLA_LINKINFO))?.string(UInt16(nl: IFLA_INFO_KIND))
        return LinkAlias(index: header.index, name: a.string(UInt16(nl: IFLA_IFNAME)) ?? "", kind: kind, alias: alias)
    }
}
