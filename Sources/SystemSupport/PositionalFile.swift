#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file opened read-only for `pread` at given offsets; closed when released.
final class PositionalFile {
    private let fd: Int32

    init?(path: String) {
        guard let fd = try? RegularFile.openForReading(path) else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Exactly `count` bytes at `offset`, or nil (error or end of file first).
    func read(at offset: Int, count: Int) -> [UInt8]? {
        guard count >= 0, offset >= 0 else { return nil }
        return try? FileDescriptorIO.readExactly(fd, at: offset, count: count)
    }
}
