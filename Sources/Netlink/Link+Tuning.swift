import CMnl

/// Link settings the `tuning` plugin changes besides MTU, MAC and promiscuous mode.
extension NetlinkSocket {
    /// Sets or clears `IFF_ALLMULTI` (`ip link set allmulticast on|off`).
    public func setAllMulticast(index: Int32, _ on: Bool) throws {
        let flag = UInt32(IFF_ALLMULTI.rawValue)
        try request(
            LinkMessage.set(index: index, flags: on ? flag : 0, change: flag),
            "set allmulticast \(on ? "on" : "off") on ifindex \(index)")
    }

    /// Sets the transmit queue length (`IFLA_TXQLEN`, `ip link set txqueuelen`).
    public func setTxQueueLength(index: Int32, _ length: UInt32) throws {
        let message = LinkMessage.set(index: index)
        message.put(UInt16(nl: IFLA_TXQLEN), u32: length)
        try request(message, "set txqueuelen \(length) on ifindex \(index)")
    }
}
