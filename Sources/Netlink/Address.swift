import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// An address on an interface (`RTM_NEWADDR`).
public struct InterfaceAddress: Sendable, Equatable {
    public var index: Int32
    public var prefix: InetPrefix
    /// `RT_SCOPE_*`: 0 universe, 253 link, 254 host.
    public var scope: UInt8
    /// `IFA_F_*` (from `IFA_FLAGS` when present: it carries the bits above 8).
    public var flags: UInt32
    /// `IFA_LABEL` (IPv4 only).
    public var label: String?

    public var noDAD: Bool { flags & UInt32(IFA_F_NODAD) != 0 }
    public var tentative: Bool { flags & UInt32(IFA_F_TENTATIVE) != 0 }
    public var dadFailed: Bool { flags & UInt32(IFA_F_DADFAILED) != 0 }

    init?(_ reply: NetlinkReply) {
        guard let header = AddressHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: AddressHeader.size)
        // IFA_LOCAL is the local address (IFA_ADDRESS is the peer on point-to-point links);
        // IPv6 sends only IFA_ADDRESS.
        guard let bytes = a.payload(UInt16(nl: IFA_LOCAL)) ?? a.payload(UInt16(nl: IFA_ADDRESS)),
            let address = InetAddress(bytes: bytes)
        else { return nil }
        index = Int32(bitPattern: header.index)
        prefix = InetPrefix(address, length: header.prefixLength)
        scope = header.scope
        flags = a.u32(UInt16(nl: IFA_FLAGS)) ?? UInt32(header.flags)
        label = a.string(UInt16(nl: IFA_LABEL))
    }
}

extension NetlinkSocket {
    /// Adds `prefix` to link `index` (`NLM_F_EXCL`). An address that is already there fails
    /// with a `NetlinkError` whose `alreadyExists` is true, so callers can accept it.
    /// IPv4 addresses get the subnet's broadcast address, as `ip addr add ... brd +` does.
    public func addAddress(index: Int32, _ prefix: InetPrefix, noDAD: Bool = false, scope: UInt8 = 0) throws {
        let flags = noDAD ? UInt32(IFA_F_NODAD) : 0
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWADDR), flags: NLM_F_CREATE | NLM_F_EXCL)
        message.append(raw: AddressHeader(
            family: prefix.address.family, prefixLength: prefix.length, flags: UInt8(truncatingIfNeeded: flags),
            scope: scope, index: UInt32(bitPattern: index)).bytes)
        message.put(UInt16(nl: IFA_LOCAL), prefix.address.bytes)
        message.put(UInt16(nl: IFA_ADDRESS), prefix.address.bytes)
        if let broadcast = prefix.broadcast { message.put(UInt16(nl: IFA_BROADCAST), broadcast.bytes) }
        if flags != 0 { message.put(UInt16(nl: IFA_FLAGS), u32: flags) }
        try request(message, "add address \(prefix) to ifindex \(index)")
    }

    /// Removes `prefix` from link `index`.
    public func deleteAddress(index: Int32, _ prefix: InetPrefix) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELADDR), flags: 0)
        message.append(raw: AddressHeader(
            family: prefix.address.family, prefixLength: prefix.length, index: UInt32(bitPattern: index)).bytes)
        message.put(UInt16(nl: IFA_LOCAL), prefix.address.bytes)
        try request(message, "delete address \(prefix) from ifindex \(index)")
    }

    /// Addresses of one link (or all links), of one family (`AF_INET`, `AF_INET6`) or both.
    public func addresses(index: Int32? = nil, family: Int32 = AF_UNSPEC) throws -> [InterfaceAddress] {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETADDR), flags: 0)
        // With strict checking the kernel filters by ifa_index itself.
        message.append(raw: AddressHeader(family: UInt8(family), index: UInt32(bitPattern: index ?? 0)).bytes)
        let what = index.map { "dump addresses of ifindex \($0)" } ?? "dump addresses"
        return try dump(message, what, keeping: UInt16(nl: RTM_NEWADDR), InterfaceAddress.init)
            .filter { index == nil || $0.index == index }
    }
}
