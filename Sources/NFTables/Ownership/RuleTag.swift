import SystemSupport
/// The comment that marks a rule as ours and says whom it belongs to.
///
///     swcni a=<attachment key> n=<network key> h=<rule digest> <network>/<container>/<ifname>
///     swcni n=<network key> h=<rule digest> <network>
///
/// * `a=` (16 hex): the attachment (network, container ID, ifname) owning the rule; absent for
///   rules shared by every attachment of a network ("network rules").
/// * `n=` (16 hex): the network, so GC of one network never touches another network's rules.
/// * `h=` (8 hex): a digest of the rule's expressions, so "ensure" compares comments only and
///   still notices a rule whose content changed.
/// * the rest is for people reading `nft list ruleset`, truncated so the comment fits in
///   libnftables' 128 bytes. Keys are fixed-size hashes because container IDs are 64
///   characters and network names have no length limit.
public struct RuleTag: Sendable, Hashable {
    public let attachmentKey: String?
    public let networkKey: String
    public let digest: String

    public static let marker = "swcni"

    public init(attachmentKey: String?, networkKey: String, digest: String) {
        self.attachmentKey = attachmentKey
        self.networkKey = networkKey
        self.digest = digest
    }

    /// The tag of a rule owned by one attachment.
    public static func attachment(_ attachment: NFTAttachment, digest: String) -> RuleTag {
        RuleTag(attachmentKey: attachment.key, networkKey: attachment.networkKey, digest: digest)
    }

    /// The tag of a rule shared by all attachments of a network.
    public static func network(_ network: String, digest: String) -> RuleTag {
        RuleTag(attachmentKey: nil, networkKey: NFTAttachment.networkKey(network), digest: digest)
    }

    /// The digest of a rule body: FNV-1a 32 of its expression JSON.
    public static func digest(of statements: [NFTStatement]) -> String {
        StableHash.hex(StableHash.fnv1a32(NFTablesTransaction.expressionText(statements).utf8))
    }

    /// The full comment, with `readable` appended and truncated to fit 127 bytes.
    public func comment(readable: String) -> String {
        var text = "\(Self.marker) "
        if let attachmentKey { text += "a=\(attachmentKey) " }
        text += "n=\(networkKey) h=\(digest)"
        var budget = NFTRule.maxCommentBytes - 1 - text.utf8.count - 1
        guard budget > 0, !readable.isEmpty else { return text }
        var tail = ""
        for scalar in readable.unicodeScalars {
            let size = String(scalar).utf8.count
            if size > budget { break }
            budget -= size
            tail.unicodeScalars.append(scalar)
        }
        return tail.isEmpty ? text : text + " " + tail
    }

    /// Reads a comment written by `comment(readable:)`; nil for anything else.
    public init?(comment: String) {
        let tokens = comment.split(separator: " ", omittingEmptySubsequences: false)
        guard tokens.count >= 3, tokens[0] == Self.marker else { return nil }
        var index = 1
        var attachmentKey: String?
        if tokens[index].hasPrefix("a=") {
            attachmentKey = String(tokens[index].dropFirst(2))
            index += 1
        }
        guard index + 1 < tokens.count, tokens[index].hasPrefix("n="), tokens[index + 1].hasPrefix("h=") else {
            return nil
        }
        let networkKey = String(tokens[index].dropFirst(2))
        let digest = String(tokens[index + 1].dropFirst(2))
        guard networkKey.count == 16, digest.count == 8, attachmentKey.map({ $0.count == 16 }) ?? true else {
            return nil
        }
        self.init(attachmentKey: attachmentKey, networkKey: networkKey, digest: digest)
    }
}
