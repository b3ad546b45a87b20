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

    /// Reads until end of file.
    public static func readAll(_ fd: Int32) throws(CNIError) -> [UInt8] {
        do {
            return try readToEnd(fd)
        } catch {
            throw CNIError(.ioFailure, "read failed", details: "fd \(fd): \(error)")
        }
    }

    /// Writes every byte.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(CNIError) {
        do {
            try writeFully(fd, bytes)
        } catch {
            throw CNIError(.ioFailure, "write failed", details: "fd \(fd): \(error)")
        }
    }

    /// Writes a string to standard error (logs and diagnostics; never the protocol).
    public static func log(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        try? writeAll(2, bytes)
    }
}

/// errno values as text.
public enum SystemError {
    /// `"No such file or directory (ENOENT)"`-style text for an errno value.
    public static func describe(_ code: Int32) -> String {
        let message = String(cString: strerror(code))
        if let name = name(code) { return "\(message) (\(name))" }
        return "\(message) (errno \(code))"
    }

    /// The symbolic name of common errno values.
    public static func name(_ code: Int32) -> String? {
        switch code {
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case ESRCH: return "ESRCH"
        case EINTR: return "EINTR"
        case EIO: return "EIO"
        case EBADF: return "EBADF"
        case EAGAIN: return "EAGAIN"
        case ENOMEM: return "ENOMEM"
        case EACCES: return "EACCES"
        case EBUSY: return "EBUSY"
        case EEXIST: return "EEXIST"
        case ENODEV: return "ENODEV"
        case ENOTDIR: return "ENOTDIR"
        case EISDIR: return "EISDIR"
        case EINVAL: return "EINVAL"
        case ENOSPC: return "ENOSPC"
        case EROFS: return "EROFS"
        case EPIPE: return "EPIPE"
        case ERANGE: return "ERANGE"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case ENOTEMPTY: return "ENOTEMPTY"
        case EOPNOTSUPP: return "EOPNOTSUPP"
        case EADDRINUSE: return "EADDRINUSE"
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
        case ENETUNREACH: return "ENETUNREACH"
        case ENOBUFS: return "ENOBUFS"
        case ETIMEDOUT: return "ETIMEDOUT"
        case EPROTONOSUPPORT: return "EPROTONOSUPPORT"
        case ENOEXEC: return "ENOEXEC"
        case ETXTBSY: return "ETXTBSY"
        default: return nil
        }
    }
}
