/// The attributes (TLVs) of a received netlink message or nest, decoded from bytes.
///
/// Types are stored without the `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` bits. When a type
/// repeats (e.g. `IFLA_BRIDGE_VLAN_INFO` inside `IFLA_AF_SPEC`) every occurrence is kept.
public struct NetlinkAttributes: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var type: UInt16
        public var payload: [UInt8]
    }

    public private(set) var all: [Attribute] = []

    /// `NLA_TYPE_MASK`: the type without the nested / byte-order flag bits.
    static let typeMask: UInt16 = 0x3fff
    static let headerSize = 4

    public init() {}

    /// Decodes attributes from `bytes` starting at `offset`; a truncated trailing attribute
    /// ends the list (as the kernel's own parsers do).
    public init(decoding bytes: [UInt8], from offset: Int = 0) {
        let reader = ByteReader(bytes)
        var position = offset
        while let length = reader.u16(at: position), let type = reader.u16(at: position + 2) {
            let len = Int(length)
            guard len >= Self.headerSize, position + len <= bytes.count else { break }
            all.append(Attribute(type: type & Self.typeMask, payload: Array(bytes[position + Self.headerSize..<position + len])))
            position += (len + 3) & ~3
        }
    }

    public func payload(_ type: UInt16) -> [UInt8]? { all.first { $0.type == type }?.payload }
    public func payloads(_ type: UInt16) -> [[UInt8]] { all.filter { $0.type == type }.map(\.payload) }
    public func contains(_ type: UInt16) -> Bool { all.contains { $0.type == type } }

    public func u8(_ type: UInt16) -> UInt8? { payload(type).flatMap { ByteReader($0).u8(at: 0) } }
    public func u16(_ type: UInt16) -> UInt16? { payload(type).flatMap { ByteReader($0).u16(at: 0) } }
    public func u32(_ type: UInt16) -> UInt32? { payload(type).flatMap { ByteReader($0).u32(at: 0) } }
    public func i32(_ type: UInt16) -> Int32? { payload(type).flatMap { ByteReader($0).i32(at: 0) } }

    /// A string attribute, without its terminating NUL.
    public func string(_ type: UInt16) -> String? {
        guard let bytes = payload(type) else { return nil }
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The attributes nested inside attribute `type`.
    public func nested(_ type: UInt16) -> NetlinkAttributes? {
        payload(type).map { NetlinkAttributes(decoding: $0) }
    }
}

extension UInt16 {
    /// A netlink constant imported from C (`Int`, `Int32` or `UInt32`) as an attribute or message type.
    init<T: BinaryInteger>(nl value: T) { self.init(truncatingIfNeeded: value) }
}
