import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// A netlink request under construction, built with libmnl in a buffer it owns.
///
/// This file and NetlinkSocket.swift are the only places that touch raw memory: callers add
/// a family header and typed attributes, and get the finished message back as bytes.
/// Running out of room is remembered and reported when the message is finished.
final class NetlinkMessage {
    static let capacity = 16384

    private let buffer: UnsafeMutableRawPointer
    private let header: UnsafeMutablePointer<nlmsghdr>
    private(set) var overflowed = false

    init(type: UInt16, flags: Int32) {
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 8)
        // Not zeroed as a whole: libmnl zeroes the header and extra headers, `put` zeroes an
        // attribute's room before libmnl fills it (Debian's libmnl leaves its padding as it
        // finds it), and only the first `nlmsg_len` bytes are ever sent. Zeroing 16 KiB per
        // request was ~7 % of a bridge ADD's user-space instructions.
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<nlmsghdr>.size)
        header = mnl_nlmsg_put_header(buffer)
        header.pointee.nlmsg_type = type
        header.pointee.nlmsg_flags = UInt16(truncatingIfNeeded: flags)
    }

    deinit { buffer.deallocate() }

    var type: UInt16 { header.pointee.nlmsg_type }
    var flags: UInt16 {
        get { header.pointee.nlmsg_flags }
        set { header.pointee.nlmsg_flags = newValue }
    }

    /// Appends raw bytes (aligned to 4) to the message: a family header, or the `ifinfomsg`
    /// that opens a veth peer nest.
    func append(raw bytes: [UInt8]) {
        let aligned = (bytes.count + 3) & ~3
        guard Int(header.pointee.nlmsg_len) + aligned <= Self.capacity else {
            overflowed = true
            return
        }
        let target = mnl_nlmsg_put_extra_header(header, bytes.count)!
        bytes.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    /// Appends one attribute with the given payload bytes.
    func put(_ type: UInt16, _ payload: [UInt8]) {
        zeroTail(MemoryLayout<nlattr>.size + payload.count)
        let ok = payload.withUnsafeBytes { raw in
            mnl_attr_put_check(header, Self.capacity, type, payload.count, raw.baseAddress)
        }
        if !ok { overflowed = true }
    }

    func put(_ type: UInt16, u8 value: UInt8) { put(type, ByteCoding.bytes(value)) }
    func put(_ type: UInt16, u16 value: UInt16) { put(type, ByteCoding.bytes(value)) }
    func put(_ type: UInt16, u32 value: UInt32) { put(type, ByteCoding.bytes(value)) }
    func put(_ type: UInt16, i32 value: Int32) { put(type, ByteCoding.bytes(value)) }
    func put(_ type: UInt16, string value: String) { put(type, ByteCoding.cString(value)) }

    /// Zeroes the next `count` bytes (aligned to 4, within the buffer) after the message.
    private func zeroTail(_ count: Int) {
        let offset = Int(header.pointee.nlmsg_len)
        let length = min((count + 3) & ~3, Self.capacity - offset)
        if length > 0 { (buffer + offset).initializeMemory(as: UInt8.self, repeating: 0, count: length) }
    }

    /// Opens a nested attribute (flagged `NLA_F_NESTED`), runs `body` to fill it, closes it.
    func nest(_ type: UInt16, _ body: (NetlinkMessage) -> Void) {
        guard let start = mnl_attr_nest_start_check(header, Self.capacity, type) else {
            overflowed = true
            return
        }
        body(self)
        mnl_attr_nest_end(header, start)
    }

    /// The finished message with its sequence number set; nil when it did not fit.
    func finish(sequence: UInt32) -> [UInt8]? {
        guard !overflowed else { return nil }
        header.pointee.nlmsg_seq = sequence
        let length = Int(header.pointee.nlmsg_len)
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
