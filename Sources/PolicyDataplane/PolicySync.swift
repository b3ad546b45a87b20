import NFTables
import NetworkPolicy
import SystemSupport

/// Builds the transactions that bring the policy table to a program: a full sync (the whole
/// table replaced in one batch) or an incremental update against what the table holds now.
public struct PolicySync: Sendable {
    public let layout: PolicyTableLayout

    public init(layout: PolicyTableLayout = PolicyTableLayout()) { self.layout = layout }

    /// An empty set whose name is a hash of the base chain's rules and the log group: a table
    /// written by another version (or with another log group) lacks it, and gets a full sync
    /// instead of an incremental update that would leave its base chain as it is.
    public var layoutMarker: NFTSet {
        let rules = PolicyProgram.forwardRules(layout).map { NFTablesTransaction.ruleText($0) }.joined(separator: "\n")
        return NFTSet(table: layout.table, name: "layout_" + StableHash.hex(rules + "|log group \(layout.logGroup)"), keyType: ["ipv4_addr"])
    }

    /// Replaces the whole table atomically: `add table; delete table; add table; ...` in one
    /// batch, so the old rules stay in force until the new ones are complete (rule counters
    /// restart from zero).
    public func fullSync(_ program: PolicyProgram) -> NFTablesTransaction {
        let rendered = program.render(layout)
        var tx = NFTablesTransaction()
        tx.add(layout.table)
        tx.delete(layout.table)
        tx.add(layout.table)
        tx.add(layoutMarker)
        for name in rendered.sets.keys.sorted() { tx.add(rendered.sets[name]!.set) }
        tx.add(layout.forwardChain)
        for name in rendered.chains.keys.sorted() { tx.add(layout.chain(name)) }
        for rule in PolicyProgram.forwardRules(layout) { tx.add(rule) }
        for name in rendered.chains.keys.sorted() {
            for rule in rendered.chains[name]! { tx.add(rule) }
        }
        for name in rendered.sets.keys.sorted() {
            let (set, elements) = rendered.sets[name]!
            tx.add(elements.keys.sorted().map { elements[$0]! }, to: set)
        }
        return tx
    }

    /// The same full sync as `fullSync`, in nft's native syntax: one script, one batch
    /// (`add table; delete table; table { ... }`), parsed by libnftables several times faster
    /// than the JSON form for large tables.
    public func fullSyncScript(_ program: PolicyProgram) -> String {
        fullSync(program).nativeText
    }

    /// The full-sync script and the number of commands of its transaction.
    public func fullSyncScriptAndCount(_ program: PolicyProgram) -> (script: String, commands: Int) {
        let tx = fullSync(program)
        return (tx.nativeText, tx.commandCount)
    }

    /// The smallest transaction from `current` (what the table holds) to `program`: new chains
    /// and sets are added, element differences applied, chains and sets no longer used removed.
    /// Chains are content-addressed, so a chain present in both has the same rules. Returns
    /// `nil` when the table is not ours to update incrementally (missing, or its base chain
    /// differs): then use `fullSync`.
    public func incremental(from current: PolicyTableState, to program: PolicyProgram) -> NFTablesTransaction? {
        let marker = layoutMarker.name
        guard current.hasBaseChain, current.sets[marker] != nil else { return nil }
        let rendered = program.render(layout, rulesOf: Set(program.chains.keys).subtracting(current.chains))
        var tx = NFTablesTransaction()
        let newChains = rendered.chains.keys.filter { !current.chains.contains($0) }.sorted()
        let oldChains = current.chains.filter { $0 != "forward" && rendered.chains[$0] == nil }.sorted()
        let newSets = rendered.sets.keys.filter { current.sets[$0] == nil }.sorted()
        let oldSets = current.sets.keys.filter { rendered.sets[$0] == nil && $0 != marker }.sorted()

        for name in newSets { tx.add(rendered.sets[name]!.set) }
        for name in newChains { tx.add(layout.chain(name)) }
        for name in newChains { for rule in rendered.chains[name]! { tx.add(rule) } }
        // Deletions first (a changed map element is deleted, then added with its new verdict).
        for name in rendered.sets.keys.sorted() {
            let (set, elements) = rendered.sets[name]!
            let present = current.sets[name] ?? [:]
            let gone = present.keys.filter { elements[$0] == nil }.sorted()
            tx.delete(gone.map { NFTElement(present[$0]!) }, from: set)
        }
        for name in rendered.sets.keys.sorted() {
            let (set, elements) = rendered.sets[name]!
            let present = current.sets[name] ?? [:]
            let added = elements.keys.filter { present[$0] == nil }.sorted()
            tx.add(added.map { elements[$0]! }, to: set)
        }
        for name in oldChains {
            tx.flush(layout.chain(name))
            tx.delete(layout.chain(name))
        }
        for name in oldSets {
            tx.delete(NFTSet(table: layout.table, name: name, keyType: [], mapsTo: name.hasPrefix("ingress_") || name.hasPrefix("egress_") ? "verdict" : nil))
        }
        return tx
    }
}
