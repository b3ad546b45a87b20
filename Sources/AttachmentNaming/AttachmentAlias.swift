/// The alias written on the host end of an attachment's veth: `swcni:<network>/<containerID>/<ifname>`
/// (`swcni#<hash>` when that would exceed the kernel's 255 bytes). DEL finds the host end by
/// it when the container's namespace is gone or unreachable; GC finds the host ends of
/// attachments that are no longer valid.
public enum AttachmentAlias {
    public static let prefix = "swcni:"

    public static func make(network: String, containerID: String, ifName: String) -> String {
        let text = "\(prefix)\(network)/\(containerID)/\(ifName)"
        if text.utf8.count <= 255 { return text }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "\(network)/\(containerID)/\(ifName)".utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "swcni#" + String(hash, radix: 16)
    }

    /// The alias a host end gets when DEL retires its pair (`Tombstone`): it no longer names
    /// the attachment (a re-ADD of the same attachment gets the attachment alias on its new
    /// veth), and GC and DEL delete any host veth that still carries it.
    public static func tombstone(network: String) -> String {
        let text = "swcni-tomb:\(network)"
        if text.utf8.count <= 255 { return text }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in network.utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "swcni-tomb#" + String(hash, radix: 16)
    }

    /// The (containerID, ifname) of a readable alias of `network`; nil for anything else.
    public static func attachment(of alias: String, network: String) -> (containerID: String, ifName: String)? {
        let head = "\(prefix)\(network)/"
        guard alias.hasPrefix(head) else { return nil }
        let rest = alias.utf8.dropFirst(head.utf8.count)
        guard let slash = rest.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let id = String(decoding: rest[rest.startIndex..<slash], as: UTF8.self)
        let ifName = String(decoding: rest[rest.index(after: slash)...], as: UTF8.self)
        guard !id.isEmpty, !ifName.isEmpty, !id.utf8.contains(UInt8(ascii: "/")) else { return nil }
        return (id, ifName)
    }
}
