#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Directory paths: `mkdir -p` and the parent of a path.
public enum Directories {
    /// Creates `path` and missing parents with `mode` (existing directories are left as they are).
    public static func make(_ path: String, mode: mode_t) throws(SystemError) {
        if isDirectory(path) { return }
        let parent = parent(of: path)
        if !parent.isEmpty && parent != path { try make(parent, mode: mode) }
        if mkdir(path, mode) != 0 {
            let code = errno
            if code == EEXIST && isDirectory(path) { return }
            throw SystemError("mkdir", path, errno: code)
        }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Everything before the last `/` (`""` for a bare name, `/` for a top-level entry).
    public static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }
}
