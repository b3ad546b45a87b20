import JSONSupport

/// An nftables address family.
public enum NFTFamily: String, Sendable, Hashable {
    case ip, ip6, inet, arp, bridge, netdev
}

/// A table, named by family and name.
public struct NFTTable: Sendable, Hashable, CustomStringConvertible {
    public let family: NFTFamily
    public let name: String

    public init(_ family: NFTFamily, _ name: String) {
        self.family = family
        self.name = name
    }

    public var description: String { "\(family.rawValue) \(name)" }

    /// `{"family":"inet","name":"swcni_bridge"}`
    public var reference: JSONValue {
        .object(JSONObject([("family", .string(family.rawValue)), ("name", .string(name))]))
    }
}

/// What makes a chain a base chain: attached to a hook, with a type, priority and policy.
public struct NFTBaseChain: Sendable, Hashable {
    public enum ChainType: String, Sendable { case filter, nat, route }
    public enum Hook: String, Sendable { case prerouting, input, forward, output, postrouting, ingress }
    public enum Policy: String, Sendable { case accept, drop }

    public var type: ChainType
    public var hook: Hook
    public var priority: Int
    public var policy: Policy

    public init(type: ChainType, hook: Hook, priority: Int, policy: Policy = .accept) {
        self.type = type
        self.hook = hook
        self.priority = priority
        self.policy = policy
    }

    /// Standard priorities (`nft` names them `filter`, `srcnat`, `dstnat`, ...).
    public static let filterPriority = 0
    public static let srcnatPriority = 100
    public static let dstnatPriority = -100
    /// The bridge family's `dstnat` (-300): before any bridge filter.
    public static let bridgeDstnatPriority = -300

    /// `type filter hook forward priority filter`: our forward accepts and policy dispatch.
    public static let forwardFilter = NFTBaseChain(type: .filter, hook: .forward, priority: filterPriority)
    /// `type nat hook postrouting priority srcnat`: masquerade.
    public static let postroutingSourceNAT = NFTBaseChain(type: .nat, hook: .postrouting, priority: srcnatPriority)
}

/// A chain of a table: a base chain when `base` is set, a regular chain otherwise.
public struct NFTChain: Sendable, Hashable {
    public let table: NFTTable
    public let name: String
    public let base: NFTBaseChain?

    public init(table: NFTTable, name: String, base: NFTBaseChain? = nil) {
        self.table = table
        self.name = name
        self.base = base
    }

    var reference: JSONValue {
        .object(JSONObject([
            ("family", .string(table.family.rawValue)), ("table", .string(table.name)), ("name", .string(name)),
        ]))
    }

    var definition: JSONValue {
        var object = JSONObject([
            ("family", .string(table.family.rawValue)), ("table", .string(table.name)), ("name", .string(name)),
        ])
        if let base {
            object["type"] = .string(base.type.rawValue)
            object["hook"] = .string(base.hook.rawValue)
            object["prio"] = .int(base.priority)
            object["policy"] = .string(base.policy.rawValue)
        }
        return .object(object)
    }
}

/// A rule: statements in a chain, with an optional comment (at most 128 bytes).
public struct NFTRule: Sendable, Equatable {
    public let chain: NFTChain
    public let statements: [NFTStatement]
    public let comment: String?

    public init(chain: NFTChain, statements: [NFTStatement], comment: String? = nil) {
        self.chain = chain
        self.statements = statements
        self.comment = comment
    }

    /// The largest comment libnftables accepts (`NFTNL_UDATA_COMMENT_MAXLEN`).
    public static let maxCommentBytes = 128

    /// `[{"match":...},{"accept":null}]`
    public var expressionJSON: JSONValue { .array(statements.map(\.json)) }

    var definition: JSONValue {
        var object = JSONObject([
            ("family", .string(chain.table.family.rawValue)), ("table", .string(chain.table.name)),
            ("chain", .string(chain.name)),
        ])
        if let comment { object["comment"] = .string(comment) }
        object["expr"] = expressionJSON
        return .object(object)
    }
}

/// A named set, or a map when `mapsTo` is set (`"verdict"` for a verdict map).
public struct NFTSet: Sendable, Hashable {
    public enum Flag: String, Sendable { case constant, interval, timeout }

    public let table: NFTTable
    public let name: String
    /// The key type, e.g. `ipv4_addr`, `ipv6_addr`, `ifname`, `ether_addr`, `inet_service`;
    /// several for a concatenation.
    public let keyType: [String]
    public let mapsTo: String?
    public let flags: [Flag]

    public init(table: NFTTable, name: String, keyType: [String], mapsTo: String? = nil, flags: [Flag] = []) {
        self.table = table
        self.name = name
        self.keyType = keyType
        self.mapsTo = mapsTo
        self.flags = flags
    }

    public var isMap: Bool { mapsTo != nil }

    var reference: JSONValue {
        .object(JSONObject([
            ("family", .string(table.family.rawValue)), ("table", .string(table.name)), ("name", .string(name)),
        ]))
    }

    var definition: JSONValue {
        var object = JSONObject([
            ("family", .string(table.family.rawValue)), ("table", .string(table.name)), ("name", .string(name)),
        ])
        object["type"] = keyType.count == 1 ? .string(keyType[0]) : .array(keyType.map { .string($0) })
        if let mapsTo { object["map"] = .string(mapsTo) }
        if !flags.isEmpty { object["flags"] = .array(flags.map { .string($0.rawValue) }) }
        return .object(object)
    }
}

/// One element of a set (a key) or of a map (a key and its data).
public struct NFTElement: Sendable, Equatable {
    public let key: NFTExpression
    public let data: NFTExpression?

    public init(_ key: NFTExpression, data: NFTExpression? = nil) {
        self.key = key
        self.data = data
    }

    public static func verdict(_ key: NFTExpression, _ verdict: NFTVerdict) -> NFTElement {
        NFTElement(key, data: .verdict(verdict))
    }

    var json: JSONValue {
        guard let data else { return key.json }
        return .array([key.json, data.json])
    }
}
