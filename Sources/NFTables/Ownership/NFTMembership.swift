/// An attachment's membership of a table: an empty regular chain named
/// `m-<network key>-<attachment key>`.
///
/// Nothing jumps to it, so it costs packets nothing; it is created in the same transaction as
/// the attachment's first rules and deleted in the same transaction as its last, so "no
/// membership chain" means "no rules of this attachment" and the chain list (a cheap dump:
/// no expressions) says who uses the table without reading any rule.
public struct NFTMembership: Sendable, Hashable {
    public let networkKey: String
    public let attachmentKey: String

    public static let prefix = "m-"

    public init(_ attachment: NFTAttachment) {
        networkKey = attachment.networkKey
        attachmentKey = attachment.key
    }

    public var chainName: String { "\(Self.prefix)\(networkKey)-\(attachmentKey)" }

    /// Reads a chain name written by `chainName`; nil for any other chain. Works on UTF-8
    /// bytes: a node's tables hold one such chain per pod, and every read parses them all.
    public init?(chainName: String) {
        var name = chainName
        name.makeContiguousUTF8()  // a no-op for native strings
        let parsed: (String, String)?? = name.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count == 35, bytes[0] == UInt8(ascii: "m"), bytes[1] == UInt8(ascii: "-"),
                bytes[18] == UInt8(ascii: "-")
            else { return nil }
            for i in 2..<18 where !Self.isHex(bytes[i]) { return nil }
            for i in 19..<35 where !Self.isHex(bytes[i]) { return nil }
            return (String(decoding: bytes[2..<18], as: UTF8.self), String(decoding: bytes[19..<35], as: UTF8.self))
        }
        guard let keys = parsed ?? nil else { return nil }
        networkKey = keys.0
        attachmentKey = keys.1
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }
}
