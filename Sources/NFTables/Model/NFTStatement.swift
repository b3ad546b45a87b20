import JSONSupport

/// One statement of a rule: a match, a counter, a log, NAT, a verdict or a verdict-map lookup.
public enum NFTStatement: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case equal = "==", notEqual = "!=", `in` = "in"
    }

    case match(left: NFTExpression, op: Operator, right: NFTExpression)
    case counter
    case log(prefix: String?, group: Int?)
    case masquerade
    /// `dnat ip to <address>[:<port>]` / `dnat ip6 to [<address>]:<port>` (the family is
    /// explicit so the statement is valid in `inet` tables).
    case dnat(family: NFTPrefix.Family, address: String, port: Int?)
    /// `<key> set <value>` (`meta mark set meta mark | 0x20000`).
    case mangle(key: NFTExpression, value: NFTExpression)
    case verdict(NFTVerdict)
    /// `<key> vmap <map>`: the verdict is looked up in a map (named or anonymous).
    case vmap(key: NFTExpression, map: NFTExpression)

    public var json: JSONValue {
        switch self {
        case .match(let left, let op, let right):
            return .object(JSONObject([("match", .object(JSONObject([
                ("op", .string(op.rawValue)), ("left", left.json), ("right", right.json),
            ])))]))
        case .counter:
            return .object(JSONObject([("counter", .null)]))
        case .log(let prefix, let group):
            var log = JSONObject()
            if let prefix { log["prefix"] = .string(prefix) }
            if let group { log["group"] = .int(group) }
            return .object(JSONObject([("log", .object(log))]))
        case .masquerade:
            return .object(JSONObject([("masquerade", .null)]))
        case .dnat(let family, let address, let port):
            var body = JSONObject([("family", .string(family == .ipv4 ? "ip" : "ip6")), ("addr", .string(address))])
            if let port { body["port"] = .int(port) }
            return .object(JSONObject([("dnat", .object(body))]))
        case .mangle(let key, let value):
            return .object(JSONObject([("mangle", .object(JSONObject([("key", key.json), ("value", value.json)])))]))
        case .verdict(let v):
            return v.json
        case .vmap(let key, let map):
            return .object(JSONObject([("vmap", .object(JSONObject([("key", key.json), ("data", map.json)])))]))
        }
    }
}

// MARK: - Typed helpers for the matches the plugins use

extension NFTStatement {
    public static let accept = NFTStatement.verdict(.accept)
    public static let drop = NFTStatement.verdict(.drop)
    public static let `return` = NFTStatement.verdict(.return)
    public static func jump(_ chain: String) -> NFTStatement { .verdict(.jump(chain)) }
    public static func goto(_ chain: String) -> NFTStatement { .verdict(.goto(chain)) }

    /// `log group <n> [prefix "..."]`: to nflog group `n` (userspace), or the kernel log
    /// when `group` is nil.
    public static func nflog(group: Int, prefix: String? = nil) -> NFTStatement { .log(prefix: prefix, group: group) }

    /// `ip saddr 10.0.0.0/8` / `ip6 saddr fd00::/64` (the family follows the prefix).
    public static func saddr(_ prefix: NFTPrefix, negated: Bool = false) -> NFTStatement {
        .match(left: .payload(protocol: prefix.payloadProtocol, field: "saddr"), op: negated ? .notEqual : .equal, right: .prefix(prefix))
    }

    public static func daddr(_ prefix: NFTPrefix, negated: Bool = false) -> NFTStatement {
        .match(left: .payload(protocol: prefix.payloadProtocol, field: "daddr"), op: negated ? .notEqual : .equal, right: .prefix(prefix))
    }

    /// `ip saddr { a, b }` (anonymous set). All prefixes must be of one family.
    public static func saddr(anyOf prefixes: [NFTPrefix], negated: Bool = false) throws(NFTablesError) -> NFTStatement {
        try addressSet(field: "saddr", prefixes, negated: negated)
    }

    public static func daddr(anyOf prefixes: [NFTPrefix], negated: Bool = false) throws(NFTablesError) -> NFTStatement {
        try addressSet(field: "daddr", prefixes, negated: negated)
    }

    /// `ip saddr @set` / `ip6 saddr @set` (named set of the same table).
    public static func saddr(inSet set: String, family: NFTPrefix.Family, negated: Bool = false) -> NFTStatement {
        .match(left: .payload(protocol: family == .ipv4 ? "ip" : "ip6", field: "saddr"), op: negated ? .notEqual : .equal, right: .named(set))
    }

    public static func daddr(inSet set: String, family: NFTPrefix.Family, negated: Bool = false) -> NFTStatement {
        .match(left: .payload(protocol: family == .ipv4 ? "ip" : "ip6", field: "daddr"), op: negated ? .notEqual : .equal, right: .named(set))
    }

    private static func addressSet(field: String, _ prefixes: [NFTPrefix], negated: Bool) throws(NFTablesError) -> NFTStatement {
        guard let first = prefixes.first else { throw .invalidArgument("address set", "no addresses") }
        guard prefixes.allSatisfy({ $0.family == first.family }) else {
            throw .invalidArgument("address set", "IPv4 and IPv6 addresses cannot share one match: \(prefixes)")
        }
        let right: NFTExpression = prefixes.count == 1 ? .prefix(first) : .set(prefixes.map { .prefix($0) })
        return .match(left: .payload(protocol: first.payloadProtocol, field: field), op: negated ? .notEqual : .equal, right: right)
    }

    /// `iifname "br0"` (`negated`: `iifname != "br0"`).
    public static func iifname(_ name: String, negated: Bool = false) -> NFTStatement {
        .match(left: .meta("iifname"), op: negated ? .notEqual : .equal, right: .string(name))
    }

    public static func oifname(_ name: String, negated: Bool = false) -> NFTStatement {
        .match(left: .meta("oifname"), op: negated ? .notEqual : .equal, right: .string(name))
    }

    /// `ether saddr 02:00:00:00:00:01` (bridge/netdev families).
    public static func etherSaddr(_ mac: String, negated: Bool = false) -> NFTStatement {
        .match(left: .payload(protocol: "ether", field: "saddr"), op: negated ? .notEqual : .equal, right: .string(mac.lowercased()))
    }

    public enum ConntrackState: String, Sendable { case new, established, related, invalid, untracked }

    /// `ct state established,related`.
    public static func ctState(_ states: [ConntrackState]) -> NFTStatement {
        .match(left: .ct("state"), op: .in, right: .flags(states.map(\.rawValue)))
    }

    /// `meta mark set meta mark | <bits>`: sets bits of the packet mark, keeping the others.
    public static func setMarkBits(_ bits: Int) -> NFTStatement {
        .mangle(key: .meta("mark"), value: .bitOr(.meta("mark"), bits))
    }

    /// `meta mark & <bits> == <bits>` (iptables-nft shows it as `-m mark --mark bits/bits`).
    public static func markHasBits(_ bits: Int) -> NFTStatement {
        .match(left: .bitAnd(.meta("mark"), bits), op: .equal, right: .number(bits))
    }

    /// `meta nfproto ipv4` / `meta nfproto ipv6`: restricts a rule of an `inet` table to a family.
    public static func nfproto(_ family: NFTPrefix.Family) -> NFTStatement {
        .match(left: .meta("nfproto"), op: .equal, right: .string(family == .ipv4 ? "ipv4" : "ipv6"))
    }

    /// `fib daddr type local`: the destination is an address of this host.
    public static let destinationIsLocal = NFTStatement.match(
        left: .fib(result: "type", flags: ["daddr"]), op: .equal, right: .string("local"))

    /// `ct status dnat`: the connection's destination was translated.
    public static let ctStatusDNAT = NFTStatement.match(left: .ct("status"), op: .in, right: .flags(["dnat"]))

    /// `meta l4proto tcp` (`tcp`, `udp`, `sctp`, `icmp`, ...).
    public static func l4proto(_ proto: String) -> NFTStatement {
        .match(left: .meta("l4proto"), op: .equal, right: .string(proto))
    }

    /// A destination port or port range for `th dport`.
    public enum Port: Sendable, Equatable {
        case single(Int)
        case range(Int, Int)
        var expression: NFTExpression {
            switch self {
            case .single(let p): return .number(p)
            case .range(let a, let b): return .range(.number(a), .number(b))
            }
        }
    }

    /// `th dport 80`, `th dport 1000-2000`, `th dport { 80, 443 }` (pair with `l4proto`).
    public static func thDport(_ ports: [Port]) throws(NFTablesError) -> NFTStatement {
        guard let first = ports.first else { throw .invalidArgument("port match", "no ports") }
        for port in ports {
            switch port {
            case .single(let p) where !(0...65535).contains(p),
                .range(let p, _) where !(0...65535).contains(p),
                .range(_, let p) where !(0...65535).contains(p):
                throw .invalidArgument("port match", "port \(p) is outside 0...65535")
            case .range(let a, let b) where a > b:
                throw .invalidArgument("port match", "range \(a)-\(b) is reversed")
            default: break
            }
        }
        let right: NFTExpression = ports.count == 1 ? first.expression : .set(ports.map(\.expression))
        return .match(left: .payload(protocol: "th", field: "dport"), op: .equal, right: right)
    }
}
