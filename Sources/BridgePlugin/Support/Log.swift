import CNISpec

/// Diagnostics on stderr (never stdout, which carries the result).
enum Log {
    static func error(_ text: String) {
        try? FileDescriptorIO.writeAll(2, Array("bridge: \(text)\n".utf8))
    }
}
