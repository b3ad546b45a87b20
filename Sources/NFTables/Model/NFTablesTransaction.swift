import JSONSupport

/// A typed builder of nftables JSON commands, applied atomically in ONE
/// `nft_run_cmd_from_buffer` call: libnftables sends the whole list in one netlink batch, so
/// the kernel applies all of it or none of it.
///
/// `add` of a table, chain or set is idempotent (no error when it exists); `create` fails
/// when it exists; `add` of a rule always appends a new rule.
public struct NFTablesTransaction: Sendable {
    public private(set) var commands: [JSONValue] = []

    public init() {}

    public var isEmpty: Bool { commands.isEmpty }

    /// `{"nftables":[...]}`
    public var document: JSONValue { .object(JSONObject([("nftables", .array(commands))])) }

    /// The deterministic JSON text libnftables receives.
    public var text: String { document.serialized() }

    private mutating func append(_ verb: String, _ kind: String, _ body: JSONValue) {
        commands.append(.object(JSONObject([(verb, .object(JSONObject([(kind, body)])))])))
    }

    // MARK: Tables
    public mutating func add(_ table: NFTTable) { append("add", "table", table.reference) }
    public mutating func create(_ table: NFTTable) { append("create", "table", table.reference) }
    public mutating func flush(_ table: NFTTable) { append("flush", "table", table.reference) }
    public mutating func delete(_ table: NFTTable) { append("delete", "table", table.reference) }

    /// Starts a full sync of `table`: `add` (so that the delete cannot fail), `delete`, `add`.
    /// Follow with every chain, set and rule of the table in the same transaction: the kernel
    /// swaps the old table for the new one atomically, and a failure leaves the old one.
    public mutating func replace(_ table: NFTTable) {
        add(table)
        delete(table)
        add(table)
    }

    // MARK: Chains
    public mutating func add(_ chain: NFTChain) { append("add", "chain", chain.definition) }
    public mutating func create(_ chain: NFTChain) { append("create", "chain", chain.definition) }
    public mutating func flush(_ chain: NFTChain) { append("flush", "chain", chain.reference) }
    public mutating func delete(_ chain: NFTChain) { append("delete", "chain", chain.reference) }

    // MARK: Rules
    public mutating func add(_ rule: NFTRule) { append("add", "rule", rule.definition) }
    /// Inserts the rule at the top of its chain (before every existing rule).
    public mutating func insert(_ rule: NFTRule) { append("insert", "rule", rule.definition) }

    /// Deletes the rule with `handle` (handles come from a listing).
    public mutating func deleteRule(in chain: NFTChain, handle: Int) {
        append("delete", "rule", .object(JSONObject([
            ("family", .string(chain.table.family.rawValue)), ("table", .string(chain.table.name)),
            ("chain", .string(chain.name)), ("handle", .int(handle)),
        ])))
    }

    // MARK: Sets and maps
    public mutating func add(_ set: NFTSet) { append("add", set.isMap ? "map" : "set", set.definition) }
    public mutating func create(_ set: NFTSet) { append("create", set.isMap ? "map" : "set", set.definition) }
    public mutating func flush(_ set: NFTSet) { append("flush", set.isMap ? "map" : "set", set.reference) }
    public mutating func delete(_ set: NFTSet) { append("delete", set.isMap ? "map" : "set", set.reference) }

    /// Adds elements (adding an element that exists is not an error).
    public mutating func add(_ elements: [NFTElement], to set: NFTSet) {
        guard !elements.isEmpty else { return }
        append("add", "element", elementBody(set, elements))
    }

    /// Deletes elements (deleting one that does not exist fails the transaction).
    public mutating func delete(_ elements: [NFTElement], from set: NFTSet) {
        guard !elements.isEmpty else { return }
        append("delete", "element", elementBody(set, elements))
    }

    private func elementBody(_ set: NFTSet, _ elements: [NFTElement]) -> JSONValue {
        .object(JSONObject([
            ("family", .string(set.table.family.rawValue)), ("table", .string(set.table.name)),
            ("name", .string(set.name)), ("elem", .array(elements.map(\.json))),
        ]))
    }

    /// Applies every command in one batch; does nothing when empty.
    public func apply(_ context: NFTablesContext, operation: String? = nil) throws(NFTablesError) {
        guard !commands.isEmpty else { return }
        try context.run(document, operation: operation ?? "apply transaction (\(commands.count) commands)")
    }
}

extension NFTablesTransaction {
    /// The compact JSON of a rule body, as it is written into a transaction.
    static func expressionText(_ statements: [NFTStatement]) -> String {
        JSONValue.array(statements.map(\.json)).serialized()
    }
}
