#if canImport(Glibc)
import Glibc
#endif
import SystemSupport

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
        do {
            try FileDescriptorIO.writeFully(fd, Array(value.utf8))
        } catch {
            throw NetlinkError(operation: "write \(value) to \(path)", errno: error.errno)
        }
    }

    /// The value of `/proc/sys/<key>`, without the trailing newline.
    public static func get(_ key: String) throws -> String {
        let path = "/proc/sys/" + key
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw NetlinkError(operation: "open \(path)", errno: errno) }
        defer { close(fd) }
        var text: ArraySlice<UInt8>
        do {
            text = try FileDescriptorIO.readToEnd(fd, chunkSize: 4096)[...]
        } catch {
            throw NetlinkError(operation: "read \(path)", errno: error.errno)
        }
        while let last = text.last, last == 0x0A || last == 0x20 { text = text.dropLast() }
        return String(decoding: text, as: UTF8.self)
    }
}
