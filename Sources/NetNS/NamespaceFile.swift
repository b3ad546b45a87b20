import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Opening namespace files, with the checks the reference applies.
enum NamespaceFile {
    /// `NSFS_MAGIC` and `PROC_SUPER_MAGIC` from <linux/magic.h>.
    static let nsfsMagic: Int = 0x6e73_6673
    static let procMagic: Int = 0x9fa0

    /// Opens a network namespace file read-only and close-on-exec.
    static func open(_ path: String) throws(NetNSError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            throw NetNSError(kind: e == ENOENT ? .notFound : .systemCall, operation: "open", path: path, errno: e)
        }
        var type = 0
        if cni_fstatfs_type(fd, &type) != 0 {
            let e = errno
            close(fd)
            throw NetNSError(kind: .systemCall, operation: "fstatfs", path: path, errno: e)
        }
        guard type == nsfsMagic || type == procMagic else {
            close(fd)
            throw NetNSError(kind: .notANamespace, operation: "fstatfs", path: path, errno: 0)
        }
        return fd
    }
}
