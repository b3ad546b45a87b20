import JSONSupport

/// What `list table` returned: the table's chains, rules (with handles and comments) and sets.
public struct NFTTableListing: Sendable {
    public struct Chain: Sendable, Equatable {
        public let name: String
        public let handle: Int
        /// `hook` of a base chain; nil for a regular chain. (From the netlink dump, only
        /// whether there is one: `"hook"`; its handle there is 0.)
        public let hook: String?
    }

    public struct Rule: Sendable, Equatable {
        public let chain: String
        public let handle: Int
        public let comment: String?
        /// The rule's `expr` array as libnftables printed it (`null` from the netlink dump).
        public let expressions: JSONValue
    }

    public struct Set: Sendable, Equatable {
        public let name: String
        public let isMap: Bool
        /// The `elem` array (absent when the set is empty).
        public let elements: [JSONValue]
    }

    public let table: NFTTable
    /// Which chains' rules this listing holds (`list table` holds all of them).
    public internal(set) var rulesRead: NFTRuleScope = .all
    public private(set) var chains: [Chain] = []
    /// The attachments using the table, from their membership chains.
    public private(set) var memberships: [NFTMembership] = []
    public private(set) var rules: [Rule] = []
    public private(set) var sets: [Set] = []

    /// Reads `{"nftables":[{"metainfo":...},{"table":...},{"chain":...},{"rule":...},...]}`,
    /// keeping only objects of `table`.
    public init(parsing output: JSONValue, table: NFTTable) throws(NFTablesError) {
        self.table = table
        guard case .array(let items)? = output.objectValue?["nftables"] else {
            throw NFTablesError(
                kind: .unreadableOutput, operation: "list table \(table)", reason: "no \"nftables\" array in output")
        }
        for item in items {
            guard let object = item.objectValue, let (kind, value) = object.members.first.map({ ($0.key, $0.value) }),
                let body = value.objectValue
            else { continue }
            let family = body["family"]?.stringValue
            let tableName = kind == "table" ? body["name"]?.stringValue : body["table"]?.stringValue
            guard family == table.family.rawValue, tableName == table.name else { continue }
            switch kind {
            case "chain":
                guard let name = body["name"]?.stringValue, let handle = body["handle"]?.intValue else {
                    throw unreadable("chain without name or handle: \(item.serialized())")
                }
                chains.append(Chain(name: name, handle: handle, hook: body["hook"]?.stringValue))
                if let member = NFTMembership(chainName: name) { memberships.append(member) }
            case "rule":
                guard let chain = body["chain"]?.stringValue, let handle = body["handle"]?.intValue else {
                    throw unreadable("rule without chain or handle: \(item.serialized())")
                }
                rules.append(
                    Rule(chain: chain, handle: handle, comment: body["comment"]?.stringValue,
                         expressions: body["expr"] ?? .array([])))
            case "set", "map":
                guard let name = body["name"]?.stringValue else { throw unreadable("set without name") }
                sets.append(Set(name: name, isMap: kind == "map", elements: body["elem"]?.arrayValue ?? []))
            default:
                continue
            }
        }
    }

    private func unreadable(_ reason: String) -> NFTablesError {
        NFTablesError(kind: .unreadableOutput, operation: "list table \(table)", reason: reason)
    }

    /// An empty listing, filled by the netlink dump.
    init(table: NFTTable) { self.table = table }

    mutating func appendChain(name: String, hook: String?) {
        chains.append(Chain(name: name, handle: 0, hook: hook))
        if let member = NFTMembership(chainName: name) { memberships.append(member) }
    }

    /// A rule from the netlink dump: handle and comment, no expressions (`null`).
    mutating func appendRule(chain: String, handle: Int, comment: String?) {
        rules.append(Rule(chain: chain, handle: handle, comment: comment, expressions: .null))
    }

    public func chain(named name: String) -> Chain? { chains.first { $0.name == name } }

    public func rules(in chain: String) -> [Rule] { rules.filter { $0.chain == chain } }

    /// Whether the rules of `chain` were read.
    public func hasRules(of chain: String) -> Bool {
        switch rulesRead {
        case .all: return true
        case .chains(let names): return names.contains(chain)
        }
    }

    public func set(named name: String) -> Set? { sets.first { $0.name == name } }
}

/// Which rules a snapshot reads.
public enum NFTRuleScope: Sendable, Equatable {
    case all
    case chains(Set<String>)
}
