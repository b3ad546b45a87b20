import Foundation

/// Reads a namespace's nftables state with `nft -j list ruleset` (observation only).
struct NFTRulesetReader {
    struct Rule {
        var family: String
        var table: String
        var chain: String
        var handle: Int
        var comment: String?
        var expr: [Any]
        /// The expression array as compact JSON text, for substring checks.
        var exprText: String
        /// `counter` packets, when the rule has a counter.
        var packets: Int? {
            for item in expr {
                if let counter = (item as? [String: Any])?["counter"] as? [String: Any] { return counter["packets"] as? Int }
            }
            return nil
        }
    }

    var tables: [String] = []  // "family name"
    var chains: [String] = []  // "family table chain"
    var rules: [Rule] = []

    init(namespace: String) throws {
        let text = try Shell.must(["ip", "netns", "exec", namespace, "nft", "-j", "list", "ruleset"])
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        for item in root?["nftables"] as? [[String: Any]] ?? [] {
            if let t = item["table"] as? [String: Any] {
                tables.append("\(t["family"] ?? "") \(t["name"] ?? "")")
            } else if let c = item["chain"] as? [String: Any] {
                chains.append("\(c["family"] ?? "") \(c["table"] ?? "") \(c["name"] ?? "")")
            } else if let r = item["rule"] as? [String: Any] {
                let expr = r["expr"] as? [Any] ?? []
                let exprText = String(decoding: try JSONSerialization.data(withJSONObject: expr, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                rules.append(Rule(
                    family: r["family"] as? String ?? "", table: r["table"] as? String ?? "", chain: r["chain"] as? String ?? "",
                    handle: r["handle"] as? Int ?? -1, comment: r["comment"] as? String, expr: expr, exprText: exprText))
            }
        }
    }

    func rules(table: String, chain: String? = nil) -> [Rule] {
        rules.filter { "\($0.family) \($0.table)" == table && (chain == nil || $0.chain == chain) }
    }

    /// Rules whose comment carries `a=<key>`.
    func rules(ofAttachmentKey key: String) -> [Rule] {
        rules.filter { $0.comment?.contains("a=\(key) ") ?? false }
    }
}
