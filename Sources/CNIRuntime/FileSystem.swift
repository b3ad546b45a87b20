#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNISpec
import SystemSupport

/// The few file-system operations the runtime needs, wrapping the C library.
///
/// Every failure is a `CNIError` (code 5, I/O failure) naming the operation, the path and
/// the errno, so messages tell the operator exactly what went wrong and where.
public enum FileSystem {
    static func failure(_ operation: String, _ path: String, _ code: Int32) -> CNIError {
        CNIError(.ioFailure, "\(operation) \(path) failed", details: SystemError.describe(code))
    }

    static func failure(_ error: SystemError) -> CNIError { failure(error.operation, error.path, error.errno) }

    /// The whole content of a file.
    public static func readFile(_ path: String) throws(CNIError) -> [UInt8] {
        let fd: Int32
        do {
            fd = try RegularFile.openForReading(path)
        } catch {
            throw CNIError(.ioFailure, "open \(path) failed", details: error.description)
        }
        defer { close(fd) }
        do {
            return try FileDescriptorIO.readToEnd(fd)
        } catch {
            throw CNIError(.ioFailure, "read \(path) failed", details: error.description)
        }
    }

    /// Names of the entries of a directory (without `.` and `..`), sorted bytewise like Go's
    /// `sort.Strings`.
    public static func listDirectory(_ path: String) throws(CNIError) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir", path, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool { Directories.isDirectory(path) }

    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Permission bits of a file (for tests and diagnostics).
    public static func mode(_ path: String) throws(CNIError) -> UInt32 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw failure("stat", path, errno) }
        return UInt32(st.st_mode) & 0o7777
    }

    /// Creates `path` and missing parents with `mode` (existing directories are left as they are).
    public static func makeDirectories(_ path: String, mode: mode_t) throws(CNIError) {
        do {
            try Directories.make(path, mode: mode)
        } catch {
            throw failure(error)
        }
    }

    /// Writes `bytes` to `path` atomically (see `AtomicFile`), synced to disk before the rename.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(CNIError) {
        do {
            try AtomicFile.write(path, bytes, mode: mode)
        } catch {
            throw failure(error)
        }
    }

    /// Seconds since the epoch of the last modification of `path`; nil when it cannot be read.
    public static func modificationTime(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_mtim.tv_sec)
    }

    /// Removes a file; a file that does not exist is not an error.
    public static func removeFile(_ path: String) throws(CNIError) {
        if unlink(path) != 0 && errno != ENOENT { throw failure("unlink", path, errno) }
    }

    /// The current working directory.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The value of an environment variable.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// `dir/name`, without doubling the separator.
    public static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// Everything before the last `/` (`""` for a bare name, `/` for a top-level entry).
    public static func parentDirectory(_ path: String) -> String { Directories.parent(of: path) }
}
