import CNISpec
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// The backup files in `dataDir`. Writes go to a temporary file renamed into place, so a
/// reader never sees half a record.
struct BackupStore {
    let directory: String

    func path(of name: String) -> String { "\(directory)/\(name)" }

    /// The file's bytes, or nil when it does not exist.
    func read(_ name: String) throws(CNIError) -> [UInt8]? {
        let fd = open(path(of: name), O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw failure("open", name, code)
        }
        defer { close(fd) }
        do {
            return try FileDescriptorIO.readToEnd(fd)
        } catch {
            throw failure("read", name, error.errno)
        }
    }

    func write(_ name: String, _ bytes: [UInt8]) throws(CNIError) {
        do {
            try Directories.make(directory, mode: 0o700)  // the records name containers
            try AtomicFile.write(path(of: name), bytes, mode: 0o600, sync: false)
        } catch {
            throw CNIError(.ioFailure, "failed to \(error.operation) \(error.path)", details: SystemError.describe(error.errno))
        }
    }

    /// Removes the file; a missing file is not an error.
    func remove(_ name: String) throws(CNIError) {
        if unlink(path(of: name)) != 0, errno != ENOENT { throw failure("remove", name, errno) }
    }

    /// Names of the `.json` files (none when the directory does not exist).
    func names() throws(CNIError) -> [String] {
        guard let dir = opendir(directory) else {
            let code = errno
            if code == ENOENT { return [] }
            throw CNIError(.ioFailure, "failed to list \(directory)", details: SystemError.describe(code))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".json"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    private func failure(_ operation: String, _ name: String, _ code: Int32) -> CNIError {
        CNIError(.ioFailure, "failed to \(operation) \(path(of: name))", details: SystemError.describe(code))
    }
}
