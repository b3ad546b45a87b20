/// Turns the NETNS argument into the path given to plugins.
public enum NetnsPath {
    /// A bare name (no `/`) means `/run/netns/<name>`; a relative path is made absolute from
    /// the working directory and cleaned (like Go's `filepath.Abs`); empty stays empty (DEL
    /// without a netns).
    public static func resolve(_ argument: String, workingDirectory: String) -> String {
        if argument.isEmpty { return "" }
        if !argument.contains("/") { return "/run/netns/" + argument }
        let absolute = argument.hasPrefix("/") ? argument : workingDirectory + "/" + argument
        return clean(absolute)
    }

    /// Removes empty, `.` and `..` components of an absolute path.
    public static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
