import CMnl
import NetNS
#if canImport(Glibc)
import Glibc
#endif

/// Looking up, changing and deleting links.
extension NetlinkSocket {
    /// The link named `name`, or nil when there is none.
    public func link(named name: String) throws -> Link? {
        let message = LinkMessage.get()
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        return try lookup(message, "get link \(name)", Link.init)
    }

    /// The link with ifindex `index`, or nil when there is none.
    public func link(index: Int32) throws -> Link? {
        try lookup(LinkMessage.get(index: index), "get link ifindex \(index)", Link.init)
    }

    /// Every link in the namespace.
    public func links() throws -> [Link] {
        try dump(LinkMessage.get(), "dump links", keeping: UInt16(nl: RTM_NEWLINK), Link.init)
    }

    /// Sets `IFF_UP` on or off.
    public func setUp(index: Int32, _ up: Bool = true) throws {
        let flag = UInt32(IFF_UP.rawValue)
        try request(LinkMessage.set(index: index, flags: up ? flag : 0, change: flag), "set ifindex \(index) \(up ? "up" : "down")")
    }

    /// Sets or clears `IFF_PROMISC` (`ip link set promisc on|off`).
    public func setPromiscuous(index: Int32, _ on: Bool) throws {
        let flag = UInt32(IFF_PROMISC.rawValue)
        try request(LinkMessage.set(index: index, flags: on ? flag : 0, change: flag), "set promisc \(on ? "on" : "off") on ifindex \(index)")
    }

    public func setMTU(index: Int32, _ mtu: UInt32) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_MTU), u32: mtu)
        try request(message, "set MTU \(mtu) on ifindex \(index)")
    }

    public func setMAC(index: Int32, _ mac: MACAddress) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_ADDRESS), mac.bytes)
        try request(message, "set MAC \(mac) on ifindex \(index)")
    }

    /// Enslaves link `index` to `master` (a bridge), or frees it when `master` is nil.
    public func setMaster(index: Int32, _ master: Int32?) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_MASTER), u32: UInt32(bitPattern: master ?? 0))
        try request(message, master.map { "attach ifindex \(index) to master ifindex \($0)" } ?? "detach ifindex \(index) from its master")
    }

    /// Renames link `index` (it must be down).
    public func rename(index: Int32, to name: String) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        try request(message, "rename ifindex \(index) to \(name)")
    }

    /// Moves link `index` into `namespace` (`IFLA_NET_NS_FD`).
    public func move(index: Int32, to namespace: NetworkNamespace) throws {
        let fd = try NamespaceDescriptor(namespace)
        defer { fd.close() }
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_NET_NS_FD), u32: UInt32(bitPattern: fd.value))
        try request(message, "move ifindex \(index) to \(namespace.path)")
    }

    /// Deletes link `index` (for a veth, both ends go).
    public func deleteLink(index: Int32) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELLINK), flags: 0)
        message.append(raw: InterfaceInfoHeader(index: index).bytes)
        try request(message, "delete link ifindex \(index)")
    }

    /// A `GET` for one link: nil when the kernel says it does not exist.
    /// The link a `GET` request names, decoded by `decode`; nil when there is no such link.
    func lookup<T>(_ message: NetlinkMessage, _ operation: String, _ decode: (NetlinkReply) -> T?) throws -> T? {
        let replies: [NetlinkReply]
        do {
            replies = try request(message, operation)
        } catch let error as NetlinkError where error.errno == ENODEV {
            return nil
        }
        return replies.first { $0.type == UInt16(nl: RTM_NEWLINK) }.flatMap(decode)
    }
}
