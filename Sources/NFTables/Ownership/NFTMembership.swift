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

    /// Reads a chain name written by `chainName`; nil for any other chain.
    public init?(chainName: String) {
        let parts = chainName.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "m", parts[1].count == 16, parts[2].count == 16,
            parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        networkKey = String(parts[1])
        attachmentKey = String(parts[2])
    }
}
