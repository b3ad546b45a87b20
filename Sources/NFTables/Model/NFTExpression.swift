import JSONSupport

/// A value in an nftables rule: what a statement matches on (left) or against (right).
///
/// Each case renders to the libnftables JSON schema (`man libnftables-json`).
public indirect enum NFTExpression: Sendable, Equatable {
    /// `{"payload":{"protocol":"ip","field":"saddr"}}`
    case payload(protocol: String, field: String)
    /// `{"meta":{"key":"iifname"}}`
    case meta(String)
    /// `{"ct":{"key":"state"}}`
    case ct(String)
    /// A string literal (interface name, MAC address, symbolic constant like `tcp`).
    case string(String)
    case number(Int)
    case prefix(NFTPrefix)
    /// `{"range":[low, high]}`
    case range(NFTExpression, NFTExpression)
    /// An anonymous set `{"set":[...]}`.
    case set([NFTExpression])
    /// A named set or map of the rule's table: `"@name"`.
    case named(String)
    /// A flag list, as `ct state established,related`: a plain JSON array.
    case flags([String])
    /// A concatenation `a . b`: `{"concat":[...]}`.
    case concat([NFTExpression])
    /// A verdict as map data.
    case verdict(NFTVerdict)
    /// `fib <flags> <result>`, e.g. `fib daddr type`: `{"fib":{"result":"type","flags":["daddr"]}}`.
    case fib(result: String, flags: [String])
    /// `<left> & <mask>`: `{"&":[left, mask]}`.
    case bitAnd(NFTExpression, Int)
    /// `<left> | <bits>`: `{"|":[left, bits]}`.
    case bitOr(NFTExpression, Int)

    public var json: JSONValue {
        switch self {
        case .payload(let proto, let field):
            return .object(JSONObject([("payload", .object(JSONObject([("protocol", .string(proto)), ("field", .string(field))])))]))
        case .meta(let key):
            return .object(JSONObject([("meta", .object(JSONObject([("key", .string(key))])))]))
        case .ct(let key):
            return .object(JSONObject([("ct", .object(JSONObject([("key", .string(key))])))]))
        case .string(let s): return .string(s)
        case .number(let n): return .int(n)
        case .prefix(let p): return p.json
        case .range(let low, let high):
            return .object(JSONObject([("range", .array([low.json, high.json]))]))
        case .set(let items):
            return .object(JSONObject([("set", .array(items.map(\.json)))]))
        case .named(let name): return .string("@" + name)
        case .flags(let names): return .array(names.map { .string($0) })
        case .concat(let items):
            return .object(JSONObject([("concat", .array(items.map(\.json)))]))
        case .verdict(let v): return v.json
        case .bitAnd(let left, let mask):
            return .object(JSONObject([("&", .array([left.json, .int(mask)]))]))
        case .bitOr(let left, let bits):
            return .object(JSONObject([("|", .array([left.json, .int(bits)]))]))
        case .fib(let result, let flags):
            return .object(JSONObject([("fib", .object(JSONObject([
                ("result", .string(result)), ("flags", .array(flags.map { .string($0) })),
            ])))]))
        }
    }
}

/// A verdict: ends (accept, drop), returns, or transfers to another chain of the table.
public enum NFTVerdict: Sendable, Equatable {
    case accept, drop, `continue`, `return`
    case jump(String)
    case goto(String)

    public var json: JSONValue {
        switch self {
        case .accept: return .object(JSONObject([("accept", .null)]))
        case .drop: return .object(JSONObject([("drop", .null)]))
        case .continue: return .object(JSONObject([("continue", .null)]))
        case .return: return .object(JSONObject([("return", .null)]))
        case .jump(let chain):
            return .object(JSONObject([("jump", .object(JSONObject([("target", .string(chain))])))]))
        case .goto(let chain):
            return .object(JSONObject([("goto", .object(JSONObject([("target", .string(chain))])))]))
        }
    }
}
