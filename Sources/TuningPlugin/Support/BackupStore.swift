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
        try makeDirectory()
        let temporary = path(of: ".\(name).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw failure("create", ".\(name).tmp", errno) }
        do {
            try FileDescriptorIO.writeFully(fd, bytes)
        } catch {
            close(fd)
            unlink(temporary)
            throw failure("write", ".\(name).tmp", error.errno)
        }
        close(fd)
        if rename(temporary, path(of: name)) != 0 {
            let code = errno
            unlink(temporary)
            throw failure("rename into", name, code)
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

    /// `mkdir -p` (mode 0700: the records name containers).
    private func makeDirectory() throws(CNIError) {
        var current = ""
        for component in directory.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw CNIError(.ioFailure, "failed to create \(current)", details: SystemError.describe(errno))
            }
        }
    }

    private func failure(_ operation: String, _ name: String, _ code: Int32) -> CNIError {
        CNIError(.ioFailure, "failed to \(operation) \(path(of: name))", details: SystemError.describe(code))
    }
}
