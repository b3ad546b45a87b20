import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// One VLAN on a bridge port (`struct bridge_vlan_info`).
public struct BridgeVLAN: Sendable, Hashable, CustomStringConvertible {
    /// 1...4094.
    public var id: UInt16
    /// Untagged frames arriving on the port are classified into this VLAN.
    public var pvid: Bool
    /// Frames of this VLAN leave the port untagged.
    public var untagged: Bool

    public init(id: UInt16, pvid: Bool = false, untagged: Bool = false) {
        self.id = id
        self.pvid = pvid
        self.untagged = untagged
    }

    public var description: String { "\(id)\(pvid ? " PVID" : "")\(untagged ? " untagged" : "")" }

    var infoBytes: [UInt8] {
        var flags: UInt16 = 0
        if pvid { flags |= UInt16(nl: BRIDGE_VLAN_INFO_PVID) }
        if untagged { flags |= UInt16(nl: BRIDGE_VLAN_INFO_UNTAGGED) }
        return ByteCoding.bytes(flags) + ByteCoding.bytes(id)
    }

    init?(info payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let flags = r.u16(at: 0), let id = r.u16(at: 2) else { return nil }
        self.id = id
        pvid = flags & UInt16(nl: BRIDGE_VLAN_INFO_PVID) != 0
        untagged = flags & UInt16(nl: BRIDGE_VLAN_INFO_UNTAGGED) != 0
    }
}

extension NetlinkSocket {
    /// Adds (or updates the flags of) `vlan` on bridge port `index` (`bridge vlan add`).
    /// With `bridgeItself`, `index` is the bridge and the VLAN is set on the bridge device
    /// (`self`), e.g. so a gateway on `br.vlan` receives that VLAN.
    public func addBridgeVLAN(index: Int32, _ vlan: BridgeVLAN, bridgeItself: Bool = false) throws {
        try request(Self.vlanMessage(adding: true, index: index, vlan, bridgeItself: bridgeItself),
                    "add VLAN \(vlan) on ifindex \(index)")
    }

    /// Removes VLAN `id` from bridge port `index` (`bridge vlan del`).
    public func deleteBridgeVLAN(index: Int32, id: UInt16, bridgeItself: Bool = false) throws {
        try request(Self.vlanMessage(adding: false, index: index, BridgeVLAN(id: id), bridgeItself: bridgeItself),
                    "delete VLAN \(id) from ifindex \(index)")
    }

    /// The VLANs of every bridge port (and of bridges with `self` VLANs), by ifindex.
    public func bridgeVLANs() throws -> [Int32: [BridgeVLAN]] {
        let message = LinkMessage.get(family: UInt8(AF_BRIDGE))
        message.put(UInt16(nl: IFLA_EXT_MASK), u32: UInt32(RTEXT_FILTER_BRVLAN))
        var result: [Int32: [BridgeVLAN]] = [:]
        for reply in try dump(message, "dump bridge VLANs") where reply.type == UInt16(nl: RTM_NEWLINK) {
            guard let header = InterfaceInfoHeader(decoding: reply.payload) else { continue }
            let attributes = reply.attributes(afterFamilyHeader: InterfaceInfoHeader.size)
            guard let spec = attributes.nested(UInt16(nl: IFLA_AF_SPEC)) else { continue }
            let vlans = spec.payloads(UInt16(nl: IFLA_BRIDGE_VLAN_INFO)).compactMap(BridgeVLAN.init(info:))
            if !vlans.isEmpty { result[header.index, default: []] += vlans }
        }
        return result
    }

    /// `RTM_SETLINK` (add) or `RTM_DELLINK` (delete) on `AF_BRIDGE` with the VLAN in `IFLA_AF_SPEC`.
    static func vlanMessage(adding: Bool, index: Int32, _ vlan: BridgeVLAN, bridgeItself: Bool) -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: adding ? RTM_SETLINK : RTM_DELLINK), flags: 0)
        message.append(raw: InterfaceInfoHeader(family: UInt8(AF_BRIDGE), index: index).bytes)
        message.nest(UInt16(nl: IFLA_AF_SPEC)) { spec in
            if bridgeItself { spec.put(UInt16(nl: IFLA_BRIDGE_FLAGS), u16: UInt16(nl: BRIDGE_FLAGS_SELF)) }
            spec.put(UInt16(nl: IFLA_BRIDGE_VLAN_INFO), vlan.infoBytes)
        }
        return message
    }
}
