#if canImport(Glibc)
import Glibc
#endif

/// What `stat` says about a file, enough to tell that it was not rewritten since: device,
/// inode, size, modification and status-change times (nanoseconds).
public struct FileStamp: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let modified: Int64
    public let changed: Int64

    /// nil when `path` cannot be stat'ed.
    public static func of(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec))
    }

    var fields: [Int64] { [Int64(bitPattern: device), Int64(bitPattern: inode), size, modified, changed] }

    init?(fields: [Int64]) {
        guard fields.count == 5 else { return nil }
        self.init(device: UInt64(bitPattern: fields[0]), inode: UInt64(bitPattern: fields[1]), size: fields[2], modified: fields[3], changed: fields[4])
    }

    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }
}
