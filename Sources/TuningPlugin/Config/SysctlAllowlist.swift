import CNISpec
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// The administrator's list of sysctls `tuning` may set: one regular expression per line,
/// matched anywhere in the configured key (as Go's `regexp.MatchString` does in the
/// reference). No file means every `net` sysctl is allowed; a file without patterns allows none.
public struct SysctlAllowlist: Sendable {
    /// The reference plugin's location.
    public static let defaultPath = "/etc/cni/tuning/allowlist.conf"
    /// Overrides `defaultPath` (tests: they must not write to /etc/cni). Whoever sets a
    /// plugin's environment chooses its binary as well, so this grants nothing more.
    public static let pathVariable = "SWIFT_CNI_TUNING_ALLOWLIST"

    public let patterns: [String]

    public init(patterns: [String]) { self.patterns = patterns }

    /// Parses the file's text: blank lines are skipped, others trimmed.
    public init(text: String) {
        patterns = text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    /// The allow-list in force, or nil when there is no file (everything allowed).
    public static func load() throws(CNIError) -> SysctlAllowlist? {
        let override = getenv(pathVariable).map { String(cString: $0) } ?? ""
        let path = override.isEmpty ? defaultPath : override
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw CNIError(.ioFailure, "failed to read the sysctl allow-list \(path)", details: SystemError.describe(code))
        }
        defer { close(fd) }
        do {
            return SysctlAllowlist(text: String(decoding: try FileDescriptorIO.readToEnd(fd), as: UTF8.self))
        } catch {
            throw CNIError(.ioFailure, "failed to read the sysctl allow-list \(path)", details: error.description)
        }
    }

    /// Throws code 7 for the first key no pattern matches (or for a pattern that is not a
    /// regular expression).
    public func check(_ keys: [String]) throws(CNIError) {
        var expressions: [Regex<AnyRegexOutput>] = []
        for pattern in patterns {
            do {
                expressions.append(try Regex(pattern))
            } catch {
                throw CNIError(
                    .invalidNetworkConfig, "invalid pattern in the sysctl allow-list",
                    details: "\"\(pattern)\": \(error)")
            }
        }
        for key in keys where !expressions.contains(where: { key.contains($0) }) {
            throw CNIError(
                .invalidNetworkConfig, "sysctl \(key) is not allowed",
                details: "only sysctls matching the allow-list are allowed: [\(patterns.joined(separator: " "))]")
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
