import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// Options of a bridge port (`IFLA_BRPORT_*`): read from `IFLA_INFO_SLAVE_DATA`, written
/// with `RTM_SETLINK` on `AF_BRIDGE` inside `IFLA_PROTINFO` (as `bridge link set` does).
/// A nil field is left unchanged when writing.
public struct BridgePortSettings: Sendable, Equatable {
    /// `IFLA_BRPORT_MODE`: hairpin (frames may leave by the port they came in on).
    public var hairpin: Bool?
    /// `IFLA_BRPORT_ISOLATED`: isolated ports forward only to non-isolated ports.
    public var isolated: Bool?
    /// `IFLA_BRPORT_LEARNING`: learn source MACs into the FDB.
    public var learning: Bool?

    public init(hairpin: Bool? = nil, isolated: Bool? = nil, learning: Bool? = nil) {
        self.hairpin = hairpin
        self.isolated = isolated
        self.learning = learning
    }

    init(decoding data: NetlinkAttributes) {
        hairpin = data.u8(UInt16(nl: IFLA_BRPORT_MODE)).map { $0 != 0 }
        isolated = data.u8(UInt16(nl: IFLA_BRPORT_ISOLATED)).map { $0 != 0 }
        learning = data.u8(UInt16(nl: IFLA_BRPORT_LEARNING)).map { $0 != 0 }
    }

    func encode(into message: NetlinkMessage) {
        if let hairpin { message.put(UInt16(nl: IFLA_BRPORT_MODE), u8: hairpin ? 1 : 0) }
        if let learning { message.put(UInt16(nl: IFLA_BRPORT_LEARNING), u8: learning ? 1 : 0) }
        if let isolated { message.put(UInt16(nl: IFLA_BRPORT_ISOLATED), u8: isolated ? 1 : 0) }
    }
}

extension NetlinkSocket {
    /// Sets hairpin / isolated / learning on bridge port `index` (it must be enslaved already).
    public func setBridgePort(index: Int32, _ settings: BridgePortSettings) throws {
        try request(Self.portMessage(index: index, settings), "set bridge port options on ifindex \(index)")
    }

    /// `RTM_SETLINK` on `AF_BRIDGE` with the options in `IFLA_PROTINFO`.
    static func portMessage(index: Int32, _ settings: BridgePortSettings) -> NetlinkMessage {
        let message = LinkMessage.set(index: index, family: UInt8(AF_BRIDGE))
        // The bridge reads IFLA_PROTINFO as a nest only when NLA_F_NESTED is set (nest() sets it).
        message.nest(UInt16(nl: IFLA_PROTINFO)) { settings.encode(into: $0) }
        return message
    }
}
