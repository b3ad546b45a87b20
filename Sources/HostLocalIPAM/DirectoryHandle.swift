#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// Linux flags Glibc's module map does not export (values from <linux/fcntl.h>, the same on
/// x86_64 and arm64).
let openTmpFile: Int32 = 0o20_000_000 | O_DIRECTORY
let atEmptyPath: Int32 = 0x1000

/// An open directory and the file operations host-local performs relative to it.
///
/// This file is the only place of the store that talks to libc: every call goes through
/// `*at()` on the directory descriptor, retries EINTR, and reports errno with the
/// operation and path (`StoreError`).
public final class DirectoryHandle {
    public let path: String
    let fd: Int32

    /// Opens `path`, creating it and missing parents (mode 0755) first when `create`.
    public init(path: String, create: Bool) throws(StoreError) {
        self.path = path
        if create { try Self.makeDirectories(path) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("open directory", path, errno: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    func pathOf(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// `mkdir -p`: creates each missing component; an existing directory is fine.
    static func makeDirectories(_ path: String) throws(StoreError) {
        do {
            try Directories.make(path, mode: 0o755)
        } catch {
            throw StoreError(error.operation, error.path, errno: error.errno)
        }
    }

    /// Creates the subdirectory `name` if missing.
    public func makeSubdirectory(_ name: String) throws(StoreError) {
        if mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
            throw StoreError("mkdir", pathOf(name), errno: errno)
        }
    }

    /// Opens a subdirectory; nil when it does not exist.
    public func subdirectory(_ name: String) throws(StoreError) -> DirectoryHandle? {
        let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if sub < 0 {
            let e = errno
            if e == ENOENT { return nil }
            throw StoreError("open directory", pathOf(name), errno: e)
        }
        return DirectoryHandle(adopting: sub, path: pathOf(name))
    }

    private init(adopting fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// The whole content of a file; nil when it does not exist.
    public func read(_ name: String) throws(StoreError) -> [UInt8]? {
        let file: Int32
        do {
            file = try RegularFile.openForReading(name, relativeTo: fd, noFollow: true)
        } catch {
            if error.errno == ENOENT { return nil }
            // A FIFO, socket or device in its place is refused, never waited on.
            throw StoreError("open", pathOf(name), errno: error.errno != 0 ? error.errno : EINVAL)
        }
        defer { close(file) }
        do {
            return try FileDescriptorIO.readToEnd(file, chunkSize: 512)
        } catch {
            throw StoreError("read", pathOf(name), errno: error.errno)
        }
    }

    /// Replaces the content of `name`: written over the old content from offset 0, then cut
    /// to length. Not `O_TRUNC`: on ext4, truncating a file to zero and rewriting it makes
    /// close() start writeback (auto_da_alloc), a disk round trip on every ADD. The files
    /// written this way (`last_reserved_ip.N`, index entries) are hints, read under the lock.
    public func write(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(StoreError) {
        let file = openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        guard file >= 0 else { throw StoreError("open", pathOf(name), errno: errno) }
        defer { close(file) }
        try Self.writeAll(file, bytes, path: pathOf(name))
        while ftruncate(file, off_t(bytes.count)) != 0 {
            if errno != EINTR { throw StoreError("ftruncate", pathOf(name), errno: errno) }
        }
    }

    /// Creates `name` with `bytes` only if it does not exist, and never visible half written:
    /// the content goes to an unnamed file (`O_TMPFILE`) that is then linked under `name`,
    /// which fails with EEXIST atomically. Returns false when `name` already exists.
    ///
    /// File systems without `O_TMPFILE` get a named temporary in `scratch` (same file
    /// system), linked and then removed.
    public func createExclusive(_ name: String, _ bytes: [UInt8], scratch: DirectoryHandle?) throws(StoreError) -> Bool {
        let file = openat(fd, ".", openTmpFile | O_WRONLY | O_CLOEXEC, 0o644)
        if file < 0 {
            let e = errno
            guard e == EOPNOTSUPP || e == EISDIR || e == EINVAL, let scratch else {
                throw StoreError("open O_TMPFILE in", path, errno: e)
            }
            return try createExclusiveByTemporary(name, bytes, scratch: scratch)
        }
        defer { close(file) }
        try Self.writeAll(file, bytes, path: pathOf(name))
        // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for everyone.
        if linkat(file, "", fd, name, atEmptyPath) == 0 { return true }
        var e = errno
        if e == EEXIST { return false }
        if e == EPERM || e == ENOENT {
            if linkat(AT_FDCWD, "/proc/self/fd/\(file)", fd, name, AT_SYMLINK_FOLLOW) == 0 { return true }
            e = errno
            if e == EEXIST { return false }
        }
        throw StoreError("link", pathOf(name), errno: e)
    }

    private func createExclusiveByTemporary(_ name: String, _ bytes: [UInt8], scratch: DirectoryHandle)
        throws(StoreError) -> Bool
    {
        let temp = ".tmp-\(getpid())"
        try scratch.write(temp, bytes)
        defer { unlinkat(scratch.fd, temp, 0) }
        if linkat(scratch.fd, temp, fd, name, 0) == 0 { return true }
        let e = errno
        if e == EEXIST { return false }
        throw StoreError("link", pathOf(name), errno: e)
    }

    /// Whether `name` exists (one `fstatat`, links not followed).
    public func exists(_ name: String) throws(StoreError) -> Bool {
        var st = stat()
        if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 { return true }
        let e = errno
        if e == ENOENT { return false }
        throw StoreError("stat", pathOf(name), errno: e)
    }

    /// Removes `name`; returns false when it did not exist.
    @discardableResult
    public func remove(_ name: String) throws(StoreError) -> Bool {
        if unlinkat(fd, name, 0) == 0 { return true }
        let e = errno
        if e == ENOENT { return false }
        throw StoreError("unlink", pathOf(name), errno: e)
    }

    /// Removes the subdirectory `name` if it is empty; false when it is not empty or absent.
    @discardableResult
    public func removeEmptySubdirectory(_ name: String) throws(StoreError) -> Bool {
        if unlinkat(fd, name, AT_REMOVEDIR) == 0 { return true }
        let e = errno
        if e == ENOTEMPTY || e == EEXIST || e == ENOENT { return false }
        throw StoreError("rmdir", pathOf(name), errno: e)
    }

    /// Names and whether each is a directory (`.` and `..` excluded).
    public func entries() throws(StoreError) -> [(name: String, isDirectory: Bool)] {
        let copy = dup(fd)
        guard copy >= 0 else { throw StoreError("dup", path, errno: errno) }
        guard let dir = fdopendir(copy) else {
            let e = errno
            close(copy)
            throw StoreError("opendir", path, errno: e)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var result: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var st = stat()
                if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 { isDirectory = (st.st_mode & S_IFMT) == S_IFDIR }
            }
            result.append((name, isDirectory))
        }
        return result
    }

    /// Whether the process may create and write files in the directory.
    public var isWritable: Bool { faccessat(fd, ".", W_OK | X_OK, 0) == 0 }

    static func writeAll(_ file: Int32, _ bytes: [UInt8], path: String) throws(StoreError) {
        do {
            try FileDescriptorIO.writeFully(file, bytes)
        } catch {
            throw StoreError("write", path, errno: error.errno)
        }
    }
}
