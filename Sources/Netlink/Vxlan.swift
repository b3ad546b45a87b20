import CMnl

/// Options of a VXLAN device (`IFLA_INFO_DATA` of kind `vxlan`); minimal, for the vxlan plugin.
public struct VxlanSettings: Sendable, Equatable {
    /// `IFLA_VXLAN_ID`: the VNI.
    public var vni: UInt32
    /// `IFLA_VXLAN_PORT`: destination UDP port (nil = kernel default 8472).
    public var port: UInt16?
    /// `IFLA_VXLAN_LOCAL` / `IFLA_VXLAN_LOCAL6`: source address of encapsulated packets.
    public var local: InetAddress?
    /// `IFLA_VXLAN_LINK`: ifindex of the underlay device.
    public var underlayIndex: Int32?
    /// `IFLA_VXLAN_LEARNING`.
    public var learning: Bool

    public init(vni: UInt32, port: UInt16? = nil, local: InetAddress? = nil, underlayIndex: Int32? = nil, learning: Bool = false) {
        self.vni = vni
        self.port = port
        self.local = local
        self.underlayIndex = underlayIndex
        self.learning = learning
    }

    init(decoding data: NetlinkAttributes) {
        vni = data.u32(UInt16(nl: IFLA_VXLAN_ID)) ?? 0
        port = data.payload(UInt16(nl: IFLA_VXLAN_PORT)).flatMap { ByteReader($0).networkU16(at: 0) }
        local = (data.payload(UInt16(nl: IFLA_VXLAN_LOCAL)) ?? data.payload(UInt16(nl: IFLA_VXLAN_LOCAL6)))
            .flatMap(InetAddress.init(bytes:))
        underlayIndex = data.i32(UInt16(nl: IFLA_VXLAN_LINK))
        learning = data.u8(UInt16(nl: IFLA_VXLAN_LEARNING)).map { $0 != 0 } ?? true
    }

    func encode(into message: NetlinkMessage) {
        message.put(UInt16(nl: IFLA_VXLAN_ID), u32: vni)
        if let port { message.put(UInt16(nl: IFLA_VXLAN_PORT), ByteCoding.networkOrder(port)) }
        if let local {
            message.put(UInt16(nl: local.isIPv4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6), local.bytes)
        }
        if let underlayIndex { message.put(UInt16(nl: IFLA_VXLAN_LINK), u32: UInt32(bitPattern: underlayIndex)) }
        message.put(UInt16(nl: IFLA_VXLAN_LEARNING), u8: learning ? 1 : 0)
    }
}

extension NetlinkSocket {
    /// Creates VXLAN device `name` (`NLM_F_EXCL`), down, with optional MTU and MAC.
    public func createVxlan(name: String, _ settings: VxlanSettings, mtu: UInt32? = nil, mac: MACAddress? = nil) throws {
        let message = LinkMessage.new(create: true)
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        if let mtu { message.put(UInt16(nl: IFLA_MTU), u32: mtu) }
        if let mac { message.put(UInt16(nl: IFLA_ADDRESS), mac.bytes) }
        message.nest(UInt16(nl: IFLA_LINKINFO)) { info in
            info.put(UInt16(nl: IFLA_INFO_KIND), string: "vxlan")
            info.nest(UInt16(nl: IFLA_INFO_DATA)) { settings.encode(into: $0) }
        }
        try request(message, "create vxlan \(name) (VNI \(settings.vni))")
    }
}
