import CMnl

extension NetlinkSocket {
    /// Creates an IFB (intermediate functional block) device, up, with the given MTU and
    /// transmit queue length: packets redirected to it pass its qdiscs, then return to
    /// where they were going.
    public func createIfb(name: String, mtu: UInt32, txQueueLength: UInt32) throws {
        let message = LinkMessage.new(create: true)
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        message.put(UInt16(nl: IFLA_MTU), u32: mtu)
        message.put(UInt16(nl: IFLA_TXQLEN), u32: txQueueLength)
        message.nest(UInt16(nl: IFLA_LINKINFO)) { info in
            info.put(UInt16(nl: IFLA_INFO_KIND), string: "ifb")
        }
        try request(message, "create ifb \(name)")
    }
}
