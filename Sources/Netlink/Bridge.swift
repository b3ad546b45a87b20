import CMnl

/// Options of a bridge device (`IFLA_INFO_DATA` of kind `bridge`).
public struct BridgeSettings: Sendable, Equatable {
    /// `IFLA_BR_VLAN_FILTERING`.
    public var vlanFiltering: Bool?
    /// `IFLA_BR_VLAN_DEFAULT_PVID`: the PVID given to new ports (0 = none).
    public var defaultPVID: UInt16?

    public init(vlanFiltering: Bool? = nil, defaultPVID: UInt16? = nil) {
        self.vlanFiltering = vlanFiltering
        self.defaultPVID = defaultPVID
    }

    init(decoding data: NetlinkAttributes) {
        vlanFiltering = data.u8(UInt16(nl: IFLA_BR_VLAN_FILTERING)).map { $0 != 0 }
        defaultPVID = data.u16(UInt16(nl: IFLA_BR_VLAN_DEFAULT_PVID))
    }

    func encode(into message: NetlinkMessage) {
        if let vlanFiltering { message.put(UInt16(nl: IFLA_BR_VLAN_FILTERING), u8: vlanFiltering ? 1 : 0) }
        if let defaultPVID { message.put(UInt16(nl: IFLA_BR_VLAN_DEFAULT_PVID), u16: defaultPVID) }
    }
}

extension NetlinkSocket {
    /// Creates bridge `name` (`RTM_NEWLINK`, `NLM_F_CREATE | NLM_F_EXCL`; `EEXIST` if a link
    /// of that name exists) with optional MTU, MAC and VLAN options. The bridge starts down.
    public func createBridge(
        name: String, mtu: UInt32? = nil, mac: MACAddress? = nil, settings: BridgeSettings = BridgeSettings()
    ) throws {
        let message = LinkMessage.new(create: true)
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        if let mtu { message.put(UInt16(nl: IFLA_MTU), u32: mtu) }
        if let mac { message.put(UInt16(nl: IFLA_ADDRESS), mac.bytes) }
        message.nest(UInt16(nl: IFLA_LINKINFO)) { info in
            info.put(UInt16(nl: IFLA_INFO_KIND), string: "bridge")
            info.nest(UInt16(nl: IFLA_INFO_DATA)) { settings.encode(into: $0) }
        }
        try request(message, "create bridge \(name)")
    }

    /// Changes options of an existing bridge (e.g. turns on VLAN filtering).
    public func setBridgeSettings(index: Int32, _ settings: BridgeSettings) throws {
        let message = LinkMessage.new(create: false, index: index)
        message.nest(UInt16(nl: IFLA_LINKINFO)) { info in
            info.put(UInt16(nl: IFLA_INFO_KIND), string: "bridge")
            info.nest(UInt16(nl: IFLA_INFO_DATA)) { settings.encode(into: $0) }
        }
        try request(message, "set bridge options of ifindex \(index)")
    }
}
