#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Replacing a file's content atomically: a temporary file in the same directory, renamed
/// over the target. Readers see the old content or the new, never a partial file.
public enum AtomicFile {
    /// Writes `bytes` to `path` with exactly `mode` (not filtered by the umask). With `sync`,
    /// the data reaches the disk before the rename, so after a crash the file is old or new;
    /// without it (caches), it may also be empty.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t, sync: Bool = true) throws(SystemError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("create", temporary, errno: errno) }
        do {
            try FileDescriptorIO.writeFully(fd, bytes)
        } catch {
            close(fd)
            unlink(temporary)
            throw SystemError("write", temporary, errno: error.errno)
        }
        if fchmod(fd, mode) != 0 || (sync && fsync(fd) != 0) {
            let code = errno
            close(fd)
            unlink(temporary)
            throw SystemError(sync ? "fchmod/fsync" : "fchmod", temporary, errno: code)
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw SystemError("rename to", path, errno: code)
        }
    }
}
