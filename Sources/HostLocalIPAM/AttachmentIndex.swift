import CNISpec

/// Our per-attachment index: `<network dir>/.swift-cni/<containerID>:<ifname>` lists the
/// addresses reserved for that attachment, so ADD's duplicate check, DEL and CHECK read one
/// small file instead of every reservation file (the reference reads them all).
///
/// Entries are hints. Every address listed is verified against its reservation file before
/// it is used or released, so a stale entry (its reservation released by the reference
/// binary, or a crash) never releases somebody else's address.
///
/// Compatibility with the reference binary, which walks the network directory recursively:
/// - the entry name contains one `:` and letters, so it never parses as an IP address
///   (`GetByID` ignores it);
/// - the content starts with a header containing a space and a newline, so it can never
///   equal an `id\r\nifname` record or a container id (its `ReleaseByID` never deletes
///   it and `FindByID` never matches it).
public enum AttachmentIndex {
    /// The subdirectory of the network directory that holds index entries.
    public static let directoryName = ".swift-cni"
    static let header = "swift-cni attachment-index v1"

    /// Entry name: container ids cannot contain `:` (validated by the dispatcher), so the
    /// first `:` separates the two parts unambiguously.
    public static func entryName(_ attachment: CNIAttachment) -> String {
        "\(attachment.containerID):\(attachment.ifname)"
    }

    /// The attachment an entry name stands for; nil for other files (temporaries).
    public static func attachment(fromEntryName name: String) -> CNIAttachment? {
        guard let colon = name.firstIndex(of: ":"), colon != name.startIndex else { return nil }
        return CNIAttachment(containerID: String(name[..<colon]), ifname: String(name[name.index(after: colon)...]))
    }

    public static func encode(_ addresses: [IPAddress]) -> [UInt8] {
        var text = header + "\n"
        for ip in addresses { text += "\(ip)\n" }
        return Array(text.utf8)
    }

    /// The addresses of an entry; nil when the content is not a complete entry (a write
    /// interrupted by a crash), in which case callers fall back to a full scan.
    public static func decode(_ bytes: [UInt8]) -> [IPAddress]? {
        guard bytes.last == 0x0A else { return nil }
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard let first = lines.first, String(decoding: first, as: UTF8.self) == header else { return nil }
        var result: [IPAddress] = []
        for line in lines.dropFirst() {
            guard let ip = IPAddress(String(decoding: line, as: UTF8.self)) else { return nil }
            result.append(ip)
        }
        return result
    }
}
