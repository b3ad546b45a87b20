import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// A neighbour (ARP / NDP) entry, or a bridge FDB entry when `family` is `AF_BRIDGE`.
public struct Neighbour: Sendable, Equatable {
    /// `AF_INET`, `AF_INET6` or `AF_BRIDGE`.
    public var family: UInt8
    public var index: Int32
    /// `NDA_DST`: the neighbour's IP; for an FDB entry of a vxlan device, the remote VTEP.
    public var destination: InetAddress?
    /// `NDA_LLADDR`.
    public var mac: MACAddress?
    /// `NUD_*` (`NUD_PERMANENT` = 0x80).
    public var state: UInt16
    /// `NTF_*` (`NTF_SELF`, `NTF_MASTER`, ...).
    public var flags: UInt8
    /// `NDA_VLAN` of an FDB entry.
    public var vlan: UInt16?
    /// `NDA_MASTER` of an FDB entry learnt by a bridge.
    public var masterIndex: Int32?

    public var isPermanent: Bool { state & UInt16(NUD_PERMANENT) != 0 }

    init?(_ reply: NetlinkReply) {
        guard let header = NeighbourHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: NeighbourHeader.size)
        family = header.family
        index = header.index
        state = header.state
        flags = header.flags
        destination = a.payload(UInt16(nl: NDA_DST)).flatMap(InetAddress.init(bytes:))
        mac = a.payload(UInt16(nl: NDA_LLADDR)).map(MACAddress.init(bytes:))
        vlan = a.u16(UInt16(nl: NDA_VLAN))
        masterIndex = a.i32(UInt16(nl: NDA_MASTER))
    }
}

/// Who holds an FDB entry: the device itself (`NTF_SELF`, e.g. a vxlan device's remote
/// table) or the bridge it is a port of (`NTF_MASTER`).
public enum FDBOwner: Sendable {
    case device
    case bridge

    var flag: UInt8 { self == .device ? UInt8(NTF_SELF) : UInt8(NTF_MASTER) }
}

extension NetlinkSocket {
    /// Adds or replaces a permanent neighbour entry `ip → mac` on link `index`
    /// (`ip neigh replace ... nud permanent`).
    public func replaceNeighbour(index: Int32, ip: InetAddress, mac: MACAddress) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWNEIGH), flags: NLM_F_CREATE | NLM_F_REPLACE)
        message.append(raw: NeighbourHeader(family: ip.family, index: index, state: UInt16(NUD_PERMANENT)).bytes)
        message.put(UInt16(nl: NDA_DST), ip.bytes)
        message.put(UInt16(nl: NDA_LLADDR), mac.bytes)
        try request(message, "replace neighbour \(ip) lladdr \(mac) on ifindex \(index)")
    }

    /// Deletes the neighbour entry for `ip` on link `index`.
    public func deleteNeighbour(index: Int32, ip: InetAddress) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELNEIGH), flags: 0)
        message.append(raw: NeighbourHeader(family: ip.family, index: index).bytes)
        message.put(UInt16(nl: NDA_DST), ip.bytes)
        try request(message, "delete neighbour \(ip) on ifindex \(index)")
    }

    /// Neighbour entries of one family (`AF_INET`, `AF_INET6`), of one link or all.
    public func neighbours(family: Int32, index: Int32? = nil) throws -> [Neighbour] {
        try dumpNeighbours(family: family, index: index, "dump \(family == AF_INET6 ? "IPv6" : "IPv4") neighbours")
    }

    /// Adds a permanent FDB entry for `mac` on link `index`, optionally pointing at a remote
    /// VTEP `destination` (vxlan). `append` adds another destination for the same MAC
    /// (`bridge fdb append`); otherwise the entry is created or replaced.
    public func addFDBEntry(
        index: Int32, mac: MACAddress, destination: InetAddress? = nil, owner: FDBOwner = .device, append: Bool = false
    ) throws {
        let flags = append ? NLM_F_CREATE | NLM_F_APPEND : NLM_F_CREATE | NLM_F_REPLACE
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWNEIGH), flags: flags)
        message.append(raw: NeighbourHeader(
            family: UInt8(AF_BRIDGE), index: index, state: UInt16(NUD_PERMANENT), flags: owner.flag).bytes)
        message.put(UInt16(nl: NDA_LLADDR), mac.bytes)
        if let destination { message.put(UInt16(nl: NDA_DST), destination.bytes) }
        let dst = destination.map { " dst \($0)" } ?? ""
        try request(message, "\(append ? "append" : "replace") FDB entry \(mac)\(dst) on ifindex \(index)")
    }

    /// Deletes the FDB entry for `mac` (and remote `destination`, when given) on link `index`.
    public func deleteFDBEntry(index: Int32, mac: MACAddress, destination: InetAddress? = nil, owner: FDBOwner = .device) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELNEIGH), flags: 0)
        message.append(raw: NeighbourHeader(family: UInt8(AF_BRIDGE), index: index, flags: owner.flag).bytes)
        message.put(UInt16(nl: NDA_LLADDR), mac.bytes)
        if let destination { message.put(UInt16(nl: NDA_DST), destination.bytes) }
        try request(message, "delete FDB entry \(mac) on ifindex \(index)")
    }

    /// FDB entries (`bridge fdb show`), of one link or all.
    public func fdbEntries(index: Int32? = nil) throws -> [Neighbour] {
        try dumpNeighbours(family: AF_BRIDGE, index: index, "dump FDB entries")
    }

    private func dumpNeighbours(family: Int32, index: Int32?, _ operation: String) throws -> [Neighbour] {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETNEIGH), flags: 0)
        message.append(raw: NeighbourHeader(family: UInt8(family)).bytes)
        return try dump(message, operation, keeping: UInt16(nl: RTM_NEWNEIGH), Neighbour.init)
            .filter { index == nil || $0.index == index }
    }
}
