#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opening a file named by a caller (configuration, environment) for reading without ever
/// blocking: a FIFO would block a plain `open(O_RDONLY)` until a writer appears, and a device
/// may act on open. The file is opened non-blocking and refused unless it is a regular file.
public enum RegularFile {
    public struct OpenError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The errno of the failed `open`/`fstat`, or 0 when the file is of another type.
        public let errno: Int32
        /// What the path names instead of a regular file (`a FIFO`, `a directory`).
        public let kind: String

        public var description: String {
            errno != 0 ? SystemError.describe(errno) : "\(kind), not a regular file"
        }
    }

    /// An open, read-only, close-on-exec descriptor of the regular file at `path` (relative to
    /// `directory` when given); `noFollow` refuses a symbolic link as the last component.
    public static func openForReading(
        _ path: String, relativeTo directory: Int32 = AT_FDCWD, noFollow: Bool = false
    ) throws(OpenError) -> Int32 {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
        if noFollow { flags |= O_NOFOLLOW }
        let fd = openat(directory, path, flags)
        if fd < 0 { throw OpenError(errno: errno, kind: "") }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let e = errno
            close(fd)
            throw OpenError(errno: e, kind: "")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw OpenError(errno: 0, kind: kind(of: info.st_mode))
        }
        return fd
    }

    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a directory"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }
}
