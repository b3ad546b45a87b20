import CMnl

/// Starts `RTM_NEWLINK` / `RTM_SETLINK` / `RTM_DELLINK` / `RTM_GETLINK` messages.
enum LinkMessage {
    /// `RTM_NEWLINK`, creating (`NLM_F_CREATE | NLM_F_EXCL`) or changing the link `index`.
    static func new(create: Bool, index: Int32 = 0) -> NetlinkMessage {
        let flags = create ? NLM_F_CREATE | NLM_F_EXCL : 0
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWLINK), flags: flags)
        message.append(raw: InterfaceInfoHeader(index: index).bytes)
        return message
    }

    /// `RTM_SETLINK` for link `index`, with flags to change under `change`.
    static func set(index: Int32, family: UInt8 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: RTM_SETLINK), flags: 0)
        message.append(raw: InterfaceInfoHeader(family: family, index: index, flags: flags, change: change).bytes)
        return message
    }

    static func get(index: Int32 = 0, family: UInt8 = 0) -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETLINK), flags: 0)
        message.append(raw: InterfaceInfoHeader(family: family, index: index).bytes)
        return message
    }
}
