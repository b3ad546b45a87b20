import JSONSupport

/// A typed builder of nftables JSON commands, applied atomically in ONE
/// `nft_run_cmd_from_buffer` call: libnftables sends the whole list in one netlink batch, so
/// the kernel applies all of it or none of it.
///
/// `add` of a table, chain or set is idempotent (no error when it exists); `create` fails
/// when it exists; `add` of a rule always appends a new rule.
public struct NFTablesTransaction: Sendable {
    enum Verb: String, Sendable { case add, create, flush, delete, insert }

    /// One command, kept typed so that it can be written as JSON (`commands`, `text`) or in
    /// nft's native syntax (`nativeText`).
    enum Command: Sendable {
        case table(Verb, NFTTable)
        case chain(Verb, NFTChain)
        case rule(Verb, NFTRule)
        case deleteRule(NFTChain, handle: Int)
        case set(Verb, NFTSet)
        case elements(Verb, NFTSet, [NFTElement])
    }

    private(set) var steps: [Command] = []

    public init() {}

    public var isEmpty: Bool { steps.isEmpty }

    /// The number of commands (one netlink batch holds them all).
    public var commandCount: Int { steps.count }

    /// The commands as libnftables' JSON receives them.
    public var commands: [JSONValue] { steps.map(Self.json) }

    /// `{"nftables":[...]}`
    public var document: JSONValue { .object(JSONObject([("nftables", .array(commands))])) }

    /// The deterministic JSON text libnftables receives.
    public var text: String { document.serialized() }

    static func json(_ command: Command) -> JSONValue {
        func wrap(_ verb: Verb, _ kind: String, _ body: JSONValue) -> JSONValue {
            .object(JSONObject([(verb.rawValue, .object(JSONObject([(kind, body)])))]))
        }
        switch command {
        case .table(let verb, let table): return wrap(verb, "table", table.reference)
        case .chain(let verb, let chain): return wrap(verb, "chain", verb == .add || verb == .create ? chain.definition : chain.reference)
        case .rule(let verb, let rule): return wrap(verb, "rule", rule.definition)
        case .deleteRule(let chain, let handle):
            return wrap(.delete, "rule", .object(JSONObject([
                ("family", .string(chain.table.family.rawValue)), ("table", .string(chain.table.name)),
                ("chain", .string(chain.name)), ("handle", .int(handle)),
            ])))
        case .set(let verb, let set):
            return wrap(verb, set.isMap ? "map" : "set", verb == .add || verb == .create ? set.definition : set.reference)
        case .elements(let verb, let set, let elements):
            return wrap(verb, "element", .object(JSONObject([
                ("family", .string(set.table.family.rawValue)), ("table", .string(set.table.name)),
                ("name", .string(set.name)), ("elem", .array(elements.map(\.json))),
            ])))
        }
    }

    // MARK: Tables
    public mutating func add(_ table: NFTTable) { steps.append(.table(.add, table)) }
    public mutating func create(_ table: NFTTable) { steps.append(.table(.create, table)) }
    public mutating func flush(_ table: NFTTable) { steps.append(.table(.flush, table)) }
    public mutating func delete(_ table: NFTTable) { steps.append(.table(.delete, table)) }

    /// Starts a full sync of `table`: `add` (so that the delete cannot fail), `delete`, `add`.
    /// Follow with every chain, set and rule of the table in the same transaction: the kernel
    /// swaps the old table for the new one atomically, and a failure leaves the old one.
    public mutating func replace(_ table: NFTTable) {
        add(table)
        delete(table)
        add(table)
    }

    // MARK: Chains
    public mutating func add(_ chain: NFTChain) { steps.append(.chain(.add, chain)) }
    public mutating func create(_ chain: NFTChain) { steps.append(.chain(.create, chain)) }
    public mutating func flush(_ chain: NFTChain) { steps.append(.chain(.flush, chain)) }
    public mutating func delete(_ chain: NFTChain) { steps.append(.chain(.delete, chain)) }

    // MARK: Rules
    public mutating func add(_ rule: NFTRule) { steps.append(.rule(.add, rule)) }
    /// Inserts the rule at the top of its chain (before every existing rule).
    public mutating func insert(_ rule: NFTRule) { steps.append(.rule(.insert, rule)) }

    /// Deletes the rule with `handle` (handles come from a listing).
    public mutating func deleteRule(in chain: NFTChain, handle: Int) { steps.append(.deleteRule(chain, handle: handle)) }

    // MARK: Sets and maps
    public mutating func add(_ set: NFTSet) { steps.append(.set(.add, set)) }
    public mutating func create(_ set: NFTSet) { steps.append(.set(.create, set)) }
    public mutating func flush(_ set: NFTSet) { steps.append(.set(.flush, set)) }
    public mutating func delete(_ set: NFTSet) { steps.append(.set(.delete, set)) }

    /// Adds elements (adding an element that exists is not an error).
    public mutating func add(_ elements: [NFTElement], to set: NFTSet) {
        guard !elements.isEmpty else { return }
        steps.append(.elements(.add, set, elements))
    }

    /// Deletes elements (deleting one that does not exist fails the transaction).
    public mutating func delete(_ elements: [NFTElement], from set: NFTSet) {
        guard !elements.isEmpty else { return }
        steps.append(.elements(.delete, set, elements))
    }

    /// Applies every command in one batch; does nothing when empty.
    public func apply(_ context: NFTablesContext, operation: String? = nil) throws(NFTablesError) {
        guard !steps.isEmpty else { return }
        try context.run(document, operation: operation ?? "apply transaction (\(steps.count) commands)")
    }
}

extension NFTablesTransaction {
    /// The compact JSON of a rule body, as it is written into a transaction.
    static func expressionText(_ statements: [NFTStatement]) -> String {
        JSONValue.array(statements.map(\.json)).serialized()
    }
}
