/// nft's native syntax for statements and expressions (the same rules the JSON form
/// carries), for `NFTablesTransaction.nativeText`: large transactions through
/// `NFTablesScriptRunner`, which libnftables parses several times faster than JSON.
public enum NFTNativeSyntax {
    public static func expression(_ e: NFTExpression) -> String {
        switch e {
        case .payload(let proto, let field): return "\(proto) \(field)"
        case .meta(let key): return "meta \(key)"
        case .ct(let key): return "ct \(key)"
        case .string(let s): return s
        case .number(let n): return String(n)
        case .prefix(let p): return p.isHost ? p.address : p.description
        case .range(let low, let high): return "\(expression(low))-\(expression(high))"
        case .set(let items): return "{ " + items.map(expression).joined(separator: ", ") + " }"
        case .named(let name): return "@" + name
        case .flags(let names): return names.joined(separator: ",")
        case .concat(let items): return items.map(expression).joined(separator: " . ")
        case .verdict(let v): return verdict(v)
        case .bitAnd(let left, let mask): return "\(expression(left)) & \(mask)"
        case .bitOr(let left, let bits): return "\(expression(left)) | \(bits)"
        case .fib(let result, let flags): return "fib \(flags.joined(separator: " . ")) \(result)"
        }
    }

    public static func verdict(_ v: NFTVerdict) -> String {
        switch v {
        case .accept: return "accept"
        case .drop: return "drop"
        case .continue: return "continue"
        case .return: return "return"
        case .jump(let chain): return "jump \(chain)"
        case .goto(let chain): return "goto \(chain)"
        }
    }

    public static func statement(_ s: NFTStatement) -> String {
        switch s {
        case .match(let left, let op, let right):
            let opText = op == .notEqual ? " != " : " "
            return expression(left) + opText + expression(right)
        case .counter: return "counter"
        case .log(let prefix, let group):
            var parts = ["log"]
            if let prefix { parts.append("prefix " + quoted(prefix)) }
            if let group { parts.append("group \(group)") }
            return parts.joined(separator: " ")
        case .masquerade: return "masquerade"
        case .mangle(let key, let value): return "\(expression(key)) set \(expression(value))"
        case .dnat(let family, let address, let port):
            let target = family == .ipv6 && port != nil ? "[\(address)]" : address
            return "dnat \(family == .ipv4 ? "ip" : "ip6") to \(target)" + (port.map { ":\($0)" } ?? "")
        case .verdict(let v): return verdict(v)
        case .vmap(let key, let map): return "\(expression(key)) vmap \(expression(map))"
        }
    }

    public static func rule(_ r: NFTRule) -> String {
        var text = r.statements.map(statement).joined(separator: " ")
        if let comment = r.comment { text += " comment " + quoted(comment) }
        return text
    }

    /// A double-quoted string; policy and namespace names cannot hold quotes, but a quote or
    /// backslash would end the string early, so both are replaced.
    public static func quoted(_ s: String) -> String {
        "\"" + s.map { $0 == "\"" || $0 == "\\" ? "'" : String($0) }.joined() + "\""
    }
}

