import CMnl
import NetNS

/// What to create with `createVethPair`: both ends' names, MTU and MACs, and where the peer goes.
public struct VethPair: Sendable {
    /// The end created in the socket's namespace.
    public var name: String
    public var peerName: String
    /// Applied to both ends.
    public var mtu: UInt32?
    public var mac: MACAddress?
    public var peerMAC: MACAddress?
    /// When set, the peer is created directly in this namespace (`IFLA_NET_NS_FD` inside
    /// `VETH_INFO_PEER`): it never exists in ours, so its name cannot clash here.
    public var peerNamespace: NetworkNamespace?

    public init(
        name: String, peerName: String, mtu: UInt32? = nil, mac: MACAddress? = nil, peerMAC: MACAddress? = nil,
        peerNamespace: NetworkNamespace? = nil
    ) {
        self.name = name
        self.peerName = peerName
        self.mtu = mtu
        self.mac = mac
        self.peerMAC = peerMAC
        self.peerNamespace = peerNamespace
    }
}

extension NetlinkSocket {
    /// Creates a veth pair in one `RTM_NEWLINK` request (`NLM_F_EXCL`: `EEXIST` when either
    /// name is taken in its namespace). Both ends start down.
    public func createVethPair(_ pair: VethPair) throws {
        let fd = try pair.peerNamespace.map { try NamespaceDescriptor($0) }
        defer { fd?.close() }
        let message = LinkMessage.new(create: true)
        message.put(UInt16(nl: IFLA_IFNAME), string: pair.name)
        if let mtu = pair.mtu { message.put(UInt16(nl: IFLA_MTU), u32: mtu) }
        if let mac = pair.mac { message.put(UInt16(nl: IFLA_ADDRESS), mac.bytes) }
        message.nest(UInt16(nl: IFLA_LINKINFO)) { info in
            info.put(UInt16(nl: IFLA_INFO_KIND), string: "veth")
            info.nest(UInt16(nl: IFLA_INFO_DATA)) { data in
                data.nest(UInt16(nl: VETH_INFO_PEER)) { peer in
                    // The peer nest opens with its own ifinfomsg, then the peer's attributes.
                    peer.append(raw: InterfaceInfoHeader().bytes)
                    peer.put(UInt16(nl: IFLA_IFNAME), string: pair.peerName)
                    if let mtu = pair.mtu { peer.put(UInt16(nl: IFLA_MTU), u32: mtu) }
                    if let mac = pair.peerMAC { peer.put(UInt16(nl: IFLA_ADDRESS), mac.bytes) }
                    if let fd { peer.put(UInt16(nl: IFLA_NET_NS_FD), u32: UInt32(bitPattern: fd.value)) }
                }
            }
        }
        let where_ = pair.peerNamespace.map { " (peer in \($0.path))" } ?? ""
        try request(message, "create veth pair \(pair.name) / \(pair.peerName)\(where_)")
    }
}
