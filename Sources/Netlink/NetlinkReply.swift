import CMnl

/// One message received from the kernel, copied out of the receive buffer.
public struct NetlinkReply: Sendable, Equatable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    /// `nlmsg_pid`: our socket's port id on a unicast reply (0 when the kernel left it unset).
    public var portID: UInt32
    /// The bytes after the 16-byte `nlmsghdr`: the family header, then attributes.
    public var payload: [UInt8]

    static let headerSize = 16

    public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// The kernel marked this message of a dump as inconsistent (`NLM_F_DUMP_INTR`).
    public var isDumpInterrupted: Bool { flags & UInt16(nl: NLM_F_DUMP_INTR) != 0 }

    /// The attributes that follow a family header of `familyHeaderSize` bytes.
    public func attributes(afterFamilyHeader familyHeaderSize: Int) -> NetlinkAttributes {
        NetlinkAttributes(decoding: payload, from: (familyHeaderSize + 3) & ~3)
    }
}

/// The outcome carried by an `NLMSG_ERROR` (or by the `int` of an `NLMSG_DONE`).
struct NetlinkAcknowledgement: Sendable, Equatable {
    /// 0 for a positive acknowledgement, else the positive errno.
    var errno: Int32
    /// `NLMSGERR_ATTR_MSG`: the kernel's extended-ack text.
    var kernelMessage: String?
    /// `NLMSGERR_ATTR_OFFS`: byte offset of the offending attribute in our request.
    var badAttributeOffset: UInt32?

    /// Decodes `struct nlmsgerr` and the extended-ack TLVs after it.
    ///
    /// With `NLM_F_CAPPED` only the header of our request is echoed, otherwise all of it;
    /// the TLVs follow when `NLM_F_ACK_TLVS` is set.
    init?(error reply: NetlinkReply) {
        let reader = ByteReader(reply.payload)
        guard let code = reader.i32(at: 0) else { return nil }
        errno = code < 0 ? -code : code
        guard reply.flags & UInt16(nl: NLM_F_ACK_TLVS) != 0 else { return }
        let echoedLength = Int(reader.u32(at: 4) ?? UInt32(NetlinkReply.headerSize))
        let capped = reply.flags & UInt16(nl: NLM_F_CAPPED) != 0
        let offset = 4 + (capped ? NetlinkReply.headerSize : (echoedLength + 3) & ~3)
        let tlvs = NetlinkAttributes(decoding: reply.payload, from: offset)
        kernelMessage = tlvs.string(UInt16(nl: NLMSGERR_ATTR_MSG.rawValue))
        badAttributeOffset = tlvs.u32(UInt16(nl: NLMSGERR_ATTR_OFFS.rawValue))
    }

    /// Decodes the `int` error of an `NLMSG_DONE` and its extended-ack TLVs.
    init(done reply: NetlinkReply) {
        let reader = ByteReader(reply.payload)
        let code = reader.i32(at: 0) ?? 0
        errno = code < 0 ? -code : code
        if reply.flags & UInt16(nl: NLM_F_ACK_TLVS) != 0 {
            let tlvs = NetlinkAttributes(decoding: reply.payload, from: 4)
            kernelMessage = tlvs.string(UInt16(nl: NLMSGERR_ATTR_MSG.rawValue))
        }
    }
}
