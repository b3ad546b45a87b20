import CNISpec

/// Diagnostics on stderr (never stdout, which carries the result).
public enum Log {
    public static func warning(_ text: String) {
        try? FileDescriptorIO.writeAll(2, Array("vxlan: \(text)\n".utf8))
    }
}
