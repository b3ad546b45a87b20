/// A C structure being encoded or decoded as bytes: its size and field offsets come from the
/// uapi headers through `MemoryLayout` (for example `MemoryLayout<tc_tbf_qopt>.offset(of:
/// \.limit)`), so no layout is retyped by hand. Host byte order.
struct StructBytes {
    private(set) var bytes: [UInt8]

    init<T>(zeroed type: T.Type) { bytes = [UInt8](repeating: 0, count: MemoryLayout<T>.size) }
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func set(_ value: UInt8, at offset: Int) { bytes[offset] = value }
    mutating func set(_ value: UInt32, at offset: Int) { bytes.replaceSubrange(offset..<offset + 4, with: ByteCoding.bytes(value)) }
    mutating func set(_ value: Int32, at offset: Int) { set(UInt32(bitPattern: value), at: offset) }

    func u8(at offset: Int) -> UInt8? { ByteReader(bytes).u8(at: offset) }
    func u32(at offset: Int) -> UInt32? { ByteReader(bytes).u32(at: offset) }
    func i32(at offset: Int) -> Int32? { ByteReader(bytes).i32(at: offset) }
}

/// The offset of a field of a C structure (imported types always have one).
func offset<T>(_ path: PartialKeyPath<T>) -> Int { MemoryLayout<T>.offset(of: path)! }
