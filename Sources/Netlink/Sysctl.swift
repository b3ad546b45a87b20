#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes kernel parameters under `/proc/sys`.
///
/// Keys are paths below `/proc/sys` with `/` separators (`net/ipv4/ip_forward`,
/// `net/ipv6/conf/eth0/accept_dad`): interface names may contain dots, so dotted keys are
/// not translated.
///
/// The `net/` tree belongs to the network namespace of the *calling thread*. To change a
/// container's sysctls, call these from inside `NetworkNamespace.run { ... }`, which runs on
/// the thread that entered the namespace; calling them elsewhere changes the host's values.
public enum Sysctl {
    /// Writes `value` to `/proc/sys/<key>`.
    public static func set(_ key: String, _ value: String) throws {
        let path = "/proc/sys/" + key
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw NetlinkError(operation: "open \(path) to write \(value)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 { throw NetlinkError(operation: "write \(value) to \(path)", errno: errno) }
        if written != bytes.count { throw NetlinkError(operation: "write \(value) to \(path) (short write)", errno: EIO) }
    }

    /// The value of `/proc/sys/<key>`, without the trailing newline.
    public static func get(_ key: String) throws -> String {
        let path = "/proc/sys/" + key
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw NetlinkError(operation: "open \(path)", errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { throw NetlinkError(operation: "read \(path)", errno: errno) }
        var text = buffer[..<count]
        while let last = text.last, last == 0x0A || last == 0x20 { text = text.dropLast() }
        return String(decoding: text, as: UTF8.self)
    }
}
