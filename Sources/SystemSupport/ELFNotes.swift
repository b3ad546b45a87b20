/// The notes of an ELF file's `PT_NOTE` program headers (ELF64 little-endian only, the
/// format of the binaries this package builds for Linux x86_64 and arm64), read from the
/// file's headers without mapping or running it: a few `pread`s.
public enum ELFNotes {
    /// One note: owner name (without its NUL), type and descriptor bytes.
    public struct Note: Equatable, Sendable {
        public var name: String
        public var type: UInt32
        public var descriptor: [UInt8]
    }

    /// At most this many bytes of one `PT_NOTE` segment are read (ours is ~100 bytes).
    static let maximumSegmentSize = 64 * 1024

    /// The notes of the file at `path`, or nil when it cannot be read or is not an ELF64
    /// little-endian file with sane program headers.
    public static func read(path: String) -> [Note]? {
        guard let file = PositionalFile(path: path) else { return nil }
        guard let header = file.read(at: 0, count: 64), let table = programHeaderTable(header) else { return nil }
        guard let headers = file.read(at: table.offset, count: table.entrySize * table.count) else { return nil }
        var notes: [Note] = []
        for index in 0..<table.count {
            let entry = Array(headers[(index * table.entrySize)..<((index + 1) * table.entrySize)])
            guard littleEndian(entry, 0, 4) == 4 else { continue }  // PT_NOTE
            let offset = littleEndian(entry, 8, 8)
            let size = littleEndian(entry, 32, 8)
            guard size <= UInt64(maximumSegmentSize), let segment = file.read(at: Int(offset), count: Int(size)) else {
                return nil
            }
            guard let parsed = parse(segment) else { return nil }
            notes += parsed
        }
        return notes
    }

    /// `e_phoff`, `e_phentsize`, `e_phnum` of an ELF64 little-endian header.
    static func programHeaderTable(_ header: [UInt8]) -> (offset: Int, entrySize: Int, count: Int)? {
        guard header.count >= 64, header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46,
            header[4] == 2,  // ELFCLASS64
            header[5] == 1  // ELFDATA2LSB
        else { return nil }
        let offset = littleEndian(header, 32, 8)
        let entrySize = Int(littleEndian(header, 54, 2))
        let count = Int(littleEndian(header, 56, 2))
        guard entrySize >= 56, count <= 256, offset < UInt64(Int32.max) else { return nil }
        return (Int(offset), entrySize, count)
    }

    /// The notes of one segment (each: namesz, descsz, type, name and descriptor padded to 4 bytes).
    static func parse(_ segment: [UInt8]) -> [Note]? {
        var notes: [Note] = []
        var position = 0
        while position + 12 <= segment.count {
            let nameSize = Int(littleEndian(segment, position, 4))
            let descriptorSize = Int(littleEndian(segment, position + 4, 4))
            let type = UInt32(littleEndian(segment, position + 8, 4))
            let nameStart = position + 12
            let descriptorStart = nameStart + padded(nameSize)
            let end = descriptorStart + padded(descriptorSize)
            guard nameSize <= segment.count, descriptorSize <= segment.count, end <= segment.count else { return nil }
            var name = Array(segment[nameStart..<(nameStart + nameSize)])
            if name.last == 0 { name.removeLast() }
            notes.append(
                Note(
                    name: String(decoding: name, as: UTF8.self), type: type,
                    descriptor: Array(segment[descriptorStart..<(descriptorStart + descriptorSize)])))
            position = end
        }
        return notes
    }

    static func padded(_ size: Int) -> Int { (size + 3) & ~3 }

    static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
