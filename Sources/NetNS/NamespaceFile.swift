import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opening namespace files named by a caller (`CNI_NETNS`), which may name anything.
///
/// A plugin is exec'd with a timeout, so no path may block it: a FIFO blocks a plain
/// `open(O_RDONLY)` until a writer appears, a device may act on open. The path is examined
/// with `stat` first (a namespace file, bind-mounted or under /proc, is a regular file),
/// opened non-blocking, and the descriptor checked again, so a file swapped in between
/// cannot block either. Only a network namespace passes: another namespace type
/// (`/proc/self/ns/mnt`) is refused here rather than by `setns`.
enum NamespaceFile {
    /// `NSFS_MAGIC` and `PROC_SUPER_MAGIC` from <linux/magic.h>.
    static let nsfsMagic: Int = 0x6e73_6673
    static let procMagic: Int = 0x9fa0

    /// Opens a network namespace file read-only and close-on-exec.
    static func open(_ path: String) throws(NetNSError) -> Int32 {
        if path.utf8.contains(0) {
            throw NetNSError(kind: .notANamespace, operation: "open", path: path, errno: EINVAL, reason: "the path contains a NUL byte")
        }
        var info = stat()
        if stat(path, &info) != 0 {
            let e = errno
            throw NetNSError(kind: e == ENOENT ? .notFound : unusableOrSystem(e), operation: "stat", path: path, errno: e)
        }
        if let problem = fileTypeProblem(info.st_mode) {
            throw NetNSError(kind: .notANamespace, operation: "stat", path: path, errno: 0, reason: problem)
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 {
            let e = errno
            throw NetNSError(kind: e == ENOENT ? .notFound : unusableOrSystem(e), operation: "open", path: path, errno: e)
        }
        do throws(NetNSError) {
            try checkOpened(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func checkOpened(_ fd: Int32, path: String) throws(NetNSError) {
        var info = stat()
        if fstat(fd, &info) != 0 {
            throw NetNSError(kind: .systemCall, operation: "fstat", path: path, errno: errno)
        }
        if let problem = fileTypeProblem(info.st_mode) {
            throw NetNSError(kind: .notANamespace, operation: "fstat", path: path, errno: 0, reason: problem)
        }
        var type = 0
        if cni_fstatfs_type(fd, &type) != 0 {
            throw NetNSError(kind: .systemCall, operation: "fstatfs", path: path, errno: errno)
        }
        guard type == nsfsMagic || type == procMagic else {
            throw NetNSError(kind: .notANamespace, operation: "fstatfs", path: path, errno: 0, reason: "not on nsfs or procfs")
        }
        switch cni_ns_is_network(fd) {
        case 1: return
        case 0:
            throw NetNSError(
                kind: .notANamespace, operation: "ioctl(NS_GET_NSTYPE)", path: path, errno: 0,
                reason: "a namespace of another type, not a network namespace")
        default:
            let e = errno
            throw NetNSError(
                kind: .notANamespace, operation: "ioctl(NS_GET_NSTYPE)", path: path, errno: e, reason: "not a namespace file")
        }
    }

    /// Errors of `stat`/`open` that say the path itself cannot name a namespace.
    private static func unusableOrSystem(_ e: Int32) -> NetNSError.Kind {
        switch e {
        case ENAMETOOLONG, ELOOP, ENOTDIR, ENXIO, EISDIR, EINVAL: return .notANamespace
        default: return .systemCall
        }
    }

    /// Nil for a regular file (what nsfs files and their bind mounts are), else what it is.
    private static func fileTypeProblem(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return "a FIFO, not a namespace file"
        case S_IFSOCK: return "a socket, not a namespace file"
        case S_IFDIR: return "a directory, not a namespace file"
        case S_IFCHR, S_IFBLK: return "a device, not a namespace file"
        default: return "not a namespace file"
        }
    }
}
