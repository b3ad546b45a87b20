#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whole-buffer reads and writes on file descriptors, retrying on EINTR.
public enum FileDescriptorIO {
    /// A failed read or write: the errno it set.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let errno: Int32
        public init(errno: Int32) { self.errno = errno }
        public var description: String { SystemError.describe(errno) }
    }

    /// Reads until end of file; the error is the errno of the failed read.
    public static func readToEnd(_ fd: Int32, chunkSize: Int = 16384) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                out.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return out
            } else {
                let e = errno
                if e != EINTR { throw Failure(errno: e) }
            }
        }
    }

    /// Writes every byte; the error is the errno of the failed write.
    public static func writeFully(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n >= 0 {
                offset += n
            } else {
                let e = errno
                if e != EINTR { throw Failure(errno: e) }
            }
        }
    }

    /// Exactly `count` bytes at `offset` (`pread`, the file position untouched); the error is
    /// the errno of the failed read, or EIO when the file ends first.
    public static func readExactly(_ fd: Int32, at offset: Int, count: Int) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n > 0 {
                done += n
            } else if n == 0 {
                throw Failure(errno: EIO)
            } else {
                let e = errno
                if e != EINTR { throw Failure(errno: e) }
            }
        }
        return bytes
    }
}
