/// The comment that marks the nftables rules of one attachment (network, container, ifname),
/// so DEL and GC find exactly that attachment's rules without `prevResult`.
///
/// Form: `<hash16(network)>-<hash16(containerID/ifname)> br net:<network> if:<ifname> id:<id>`,
/// cut to 127 bytes (nftables comments hold at most 128 bytes with the NUL). The first 33
/// bytes identify the attachment; the first 17 (`<hash16(network)>-`) the network, which is
/// what GC uses to find rules of this network whose attachment is no longer valid.
public struct AttachmentTag: Sendable, Hashable, CustomStringConvertible {
    public let network: String
    public let containerID: String
    public let ifName: String

    public init(network: String, containerID: String, ifName: String) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
    }

    /// `<hash16(network)>-`: every tag of this network starts with it.
    public static func networkPrefix(_ network: String) -> String { hex16(fnv1a(Array(network.utf8))) + "-" }

    /// The identifying part (33 bytes).
    public var key: String {
        Self.networkPrefix(network) + Self.hex16(Self.fnv1a(Array(containerID.utf8) + [0x2F] + Array(ifName.utf8)))
    }

    /// The full comment.
    public var description: String {
        let text = "\(key) br net:\(network) if:\(ifName) id:\(containerID)"
        return text.utf8.count <= 127 ? text : String(decoding: text.utf8.prefix(127), as: UTF8.self)
    }

    /// Whether `comment` is the tag of this attachment.
    public func matches(_ comment: String) -> Bool { comment.hasPrefix(key) }

    /// The attachment key of any tag comment, or nil when `comment` is not one of ours.
    public static func key(ofComment comment: String) -> String? {
        let bytes = Array(comment.utf8)
        guard bytes.count >= 33, bytes[16] == UInt8(ascii: "-") else { return nil }
        let hex = bytes[0..<16] + bytes[17..<33]
        guard hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        guard bytes.count == 33 || bytes[33] == 0x20 else { return nil }
        return String(decoding: bytes[0..<33], as: UTF8.self)
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func hex16(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }
}
