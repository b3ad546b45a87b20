import CNISpec
#if canImport(Glibc)
import Glibc
#endif

/// BIRD's configuration file: read, and replaced atomically (a temporary file in the same
/// directory, synced, then renamed over it), so BIRD never reads half a file.
public enum BirdConfigFile {
    /// The file's bytes; nil when it does not exist.
    public static func read(_ path: String) throws(CNIError) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try RegularFile.openForReading(path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw CNIError(.ioFailure, "cannot open BIRD configuration \(path)", details: error.description)
        }
        defer { close(fd) }
        return try FileDescriptorIO.readAll(fd)
    }

    public static func write(_ path: String, _ bytes: [UInt8]) throws(CNIError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty, mkdir(directory, 0o755) != 0, errno != EEXIST {
            let code = errno
            throw CNIError(.ioFailure, "cannot create directory \(directory) for BIRD's configuration", details: SystemError.describe(code))
        }
        let temporary = "\(directory)/.\(path.split(separator: "/").last ?? "bird.conf").swcni-new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            let code = errno
            throw CNIError(.ioFailure, "cannot create \(temporary)", details: SystemError.describe(code))
        }
        do {
            try FileDescriptorIO.writeAll(fd, bytes)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        let synced = fsync(fd) == 0 ? 0 : errno
        close(fd)
        if synced != 0 {
            unlink(temporary)
            throw CNIError(.ioFailure, "cannot sync \(temporary)", details: SystemError.describe(synced))
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw CNIError(.ioFailure, "cannot rename \(temporary) to \(path)", details: SystemError.describe(code))
        }
    }

    public static func remove(_ path: String) { unlink(path) }
}
