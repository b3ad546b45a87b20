import Glibc

/// `realpath(3)`: the canonical absolute path of an existing file (symbolic links, `.` and
/// `..` resolved), or nil when it cannot be resolved.
enum RealPath {
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Everything before the last `/` of an absolute path (`/` for a file in the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
