import CNISpec
import NFTables

/// Reads `conditionsV4` / `conditionsV6`: extra matches in nft syntax, given as tokens that
/// are joined with spaces (the reference joins them the same way): the two tokens
/// `iifname "eth0"` and `tcp sport 1024-65535`, say, or the single token `ip saddr != 10.0.0.0/8`.
///
/// Rules are written as libnftables JSON, so the text is parsed here into typed matches;
/// the subset understood is `<selector> [==|!=] <value | { value, ... }>` with selectors
/// `ip|ip6 saddr|daddr`, `tcp|udp|sctp|th sport|dport`, `[meta] iifname|oifname|mark|l4proto`.
/// Anything else is refused (code 7) before anything is written.
enum NFTConditionParser {
    static func parse(_ tokens: [String], family: NFTPrefix.Family, field: String) throws(CNIError) -> [NFTStatement] {
        if let first = tokens.first?.trimmingSpaces, first.hasPrefix("-") || first.hasPrefix("!") {
            throw CNIError(
                .unsupportedField, "\(field) is in iptables syntax",
                details: "this portmap has only an nftables backend; give \(field) in nft syntax, e.g. [\"ip\", \"saddr\", \"10.0.0.0/8\"]")
        }
        var words = try lex(tokens.joined(separator: " "), field: field)
        var statements: [NFTStatement] = []
        while !words.isEmpty {
            statements.append(try match(&words, family: family, field: field))
        }
        return statements
    }

    private enum Word: Equatable {
        case text(String)
        case quoted(String)
        case set([Word])
    }

    private static func lex(_ text: String, field: String) throws(CNIError) -> [Word] {
        var words: [Word] = []
        var stack: [[Word]] = []
        var current = ""
        var chars = Array(text)
        chars.append(" ")
        var index = 0
        func flush() {
            guard !current.isEmpty else { return }
            if stack.isEmpty { words.append(.text(current)) } else { stack[stack.count - 1].append(.text(current)) }
            current = ""
        }
        while index < chars.count {
            let c = chars[index]
            switch c {
            case "\"":
                flush()
                guard let end = chars[(index + 1)...].firstIndex(of: "\"") else {
                    throw invalid(field, "unterminated string in \"\(text)\"")
                }
                let value = String(chars[(index + 1)..<end])
                if stack.isEmpty { words.append(.quoted(value)) } else { stack[stack.count - 1].append(.quoted(value)) }
                index = end
            case "{":
                flush()
                stack.append([])
            case "}":
                flush()
                guard let items = stack.popLast() else { throw invalid(field, "unbalanced \"}\" in \"\(text)\"") }
                guard !items.isEmpty else { throw invalid(field, "empty set in \"\(text)\"") }
                if stack.isEmpty { words.append(.set(items)) } else { throw invalid(field, "nested sets in \"\(text)\"") }
            case " ", "\t", ",":
                if c == ",", stack.isEmpty { throw invalid(field, "\",\" outside a set in \"\(text)\"") }
                flush()
            case ";", "#":
                throw invalid(field, "\"\(c)\" is not allowed in a condition")
            default:
                current.append(c)
            }
            index += 1
        }
        guard stack.isEmpty else { throw invalid(field, "unbalanced \"{\" in \"\(text)\"") }
        return words
    }

    private enum ValueKind { case address(NFTPrefix.Family), port, interface, number, l4proto }

    private static func match(_ words: inout [Word], family: NFTPrefix.Family, field: String) throws(CNIError) -> NFTStatement {
        guard case .text(var head) = words.removeFirst() else { throw invalid(field, "expected a selector such as \"ip saddr\"") }
        func next() throws(CNIError) -> String {
            guard !words.isEmpty, case .text(let t) = words.removeFirst() else {
                throw invalid(field, "\"\(head)\" must be followed by a field name")
            }
            return t
        }
        let left: NFTExpression
        let kind: ValueKind
        switch head {
        case "ip", "ip6":
            let f: NFTPrefix.Family = head == "ip" ? .ipv4 : .ipv6
            guard f == family else {
                throw invalid(field, "\"\(head)\" matches do not belong in \(field)")
            }
            let name = try next()
            guard name == "saddr" || name == "daddr" else {
                throw invalid(field, "unsupported selector \"\(head) \(name)\" (supported: \(head) saddr, \(head) daddr)")
            }
            left = .payload(protocol: head, field: name)
            kind = .address(f)
        case "tcp", "udp", "sctp", "th":
            let name = try next()
            guard name == "sport" || name == "dport" else {
                throw invalid(field, "unsupported selector \"\(head) \(name)\" (supported: sport, dport)")
            }
            left = .payload(protocol: head, field: name)
            kind = .port
        default:
            if head == "meta" { head = try next() }
            switch head {
            case "iifname", "oifname": kind = .interface
            case "mark": kind = .number
            case "l4proto": kind = .l4proto
            default:
                throw invalid(
                    field,
                    "unsupported selector \"\(head)\" (supported: ip/ip6 saddr|daddr, tcp/udp/sctp/th sport|dport, iifname, oifname, mark, l4proto)")
            }
            left = .meta(head)
        }
        var op = NFTStatement.Operator.equal
        if case .text(let t)? = words.first, t == "!=" || t == "==" || t == "ne" || t == "eq" {
            op = t == "!=" || t == "ne" ? .notEqual : .equal
            words.removeFirst()
        }
        guard !words.isEmpty else { throw invalid(field, "\"\(head)\" has no value") }
        let right: NFTExpression
        switch words.removeFirst() {
        case .set(let items):
            var values: [NFTExpression] = []
            for item in items { values.append(try value(item, kind, field)) }
            right = .set(values)
        case let word:
            right = try value(word, kind, field)
        }
        return .match(left: left, op: op, right: right)
    }

    private static func value(_ word: Word, _ kind: ValueKind, _ field: String) throws(CNIError) -> NFTExpression {
        let text: String
        switch word {
        case .text(let t), .quoted(let t): text = t
        case .set: throw invalid(field, "nested sets are not supported")
        }
        switch kind {
        case .address(let family):
            if let dash = text.firstIndex(of: "-") {
                let low = try address(String(text[..<dash]), family, field)
                let high = try address(String(text[text.index(after: dash)...]), family, field)
                return .range(low, high)
            }
            return try address(text, family, field)
        case .port:
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            var numbers: [Int] = []
            for part in parts {
                guard let n = Int(part), (0...65535).contains(n), parts.count <= 2 else {
                    throw invalid(field, "invalid port \"\(text)\" (expected 0 to 65535 or a range like 1000-2000)")
                }
                numbers.append(n)
            }
            return numbers.count == 1 ? .number(numbers[0]) : .range(.number(numbers[0]), .number(numbers[1]))
        case .interface:
            guard !text.isEmpty, text.utf8.count < 16, !text.contains("/") else {
                throw invalid(field, "invalid interface name \"\(text)\"")
            }
            return .string(text)
        case .number:
            let n = text.hasPrefix("0x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
            guard let n else { throw invalid(field, "invalid number \"\(text)\"") }
            return .number(Int(n))
        case .l4proto:
            let known = ["tcp", "udp", "sctp", "icmp", "icmpv6", "udplite", "dccp", "gre", "esp", "ah"]
            if let n = Int(text), (0...255).contains(n) { return .number(n) }
            guard known.contains(text) else { throw invalid(field, "unknown l4proto \"\(text)\"") }
            return .string(text)
        }
    }

    private static func address(_ text: String, _ family: NFTPrefix.Family, _ field: String) throws(CNIError) -> NFTExpression {
        guard let prefix = try? NFTPrefix(text), prefix.family == family else {
            throw invalid(field, "invalid \(family == .ipv4 ? "IPv4" : "IPv6") address \"\(text)\"")
        }
        return .prefix(text.contains("/") ? prefix.network : prefix)
    }

    private static func invalid(_ field: String, _ reason: String) -> CNIError {
        CNIError(.invalidNetworkConfig, "invalid \(field)", details: reason)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }))
    }
}
