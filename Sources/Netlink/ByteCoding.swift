/// Host-order integers to and from bytes, for netlink headers and attribute payloads.
///
/// Netlink carries most integers in host byte order; the few network-order fields
/// (e.g. the VXLAN UDP port) say so where they are written.
#if !_endian(little)
#error("Netlink byte coding assumes a little-endian host")
#endif

public enum ByteCoding {
    public static func bytes(_ value: UInt8) -> [UInt8] { [value] }
    public static func bytes(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    public static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xff), UInt8((value >> 8) & 0xff), UInt8((value >> 16) & 0xff), UInt8(value >> 24)]
    }
    public static func bytes(_ value: Int32) -> [UInt8] { bytes(UInt32(bitPattern: value)) }
    public static func bytes(_ value: UInt64) -> [UInt8] {
        bytes(UInt32(truncatingIfNeeded: value)) + bytes(UInt32(truncatingIfNeeded: value >> 32))
    }
    /// A 16-bit value in network byte order (big-endian).
    public static func networkOrder(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
    /// A NUL-terminated string.
    public static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
}

/// Reads host-order integers from a byte array; reading past the end yields nil.
public struct ByteReader {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func u8(at offset: Int) -> UInt8? { offset >= 0 && offset < bytes.count ? bytes[offset] : nil }

    public func u16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public func u32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    public func i32(at offset: Int) -> Int32? { u32(at: offset).map { Int32(bitPattern: $0) } }

    public func u64(at offset: Int) -> UInt64? {
        guard let low = u32(at: offset), let high = u32(at: offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// A 16-bit value stored in network byte order.
    public func networkU16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public func slice(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + count <= bytes.count else { return nil }
        return Array(bytes[offset..<offset + count])
    }
}
