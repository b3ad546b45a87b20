#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Diagnostics on standard error, one line per call, each prefixed with the program's name
/// (`bridge: …`). Never standard output: that carries the CNI result.
///
/// Each line goes out in one `write`, so lines of plugins running at once do not interleave.
public struct Log: Sendable {
    public let prefix: String

    public init(prefix: String) { self.prefix = prefix }

    /// Writes `prefix: text` and a newline.
    public func callAsFunction(_ text: String) { Self.line(prefix.isEmpty ? text : "\(prefix): \(text)") }

    /// Writes `text` as it is, adding a newline when it has none.
    public static func line(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        try? FileDescriptorIO.writeFully(2, bytes)
    }
}
