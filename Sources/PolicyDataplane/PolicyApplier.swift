import NFTables
import NetworkPolicy

/// Brings the policy table of the current network namespace to a program, with one
/// libnftables transaction.
public struct PolicyApplier {
    public enum Mode: String, Sendable { case full, incremental }

    public struct Report: Sendable, Equatable {
        public let mode: Mode
        public let commands: Int
    }

    public let layout: PolicyTableLayout
    public let context: NFTablesContext
    /// Held around read-back + transaction so two appliers never diff against the same
    /// state (`nil`: no lock).
    public let lockPath: String?

    public init(context: NFTablesContext, layout: PolicyTableLayout = PolicyTableLayout(), lockPath: String? = NFTablesLock.defaultPath) {
        self.context = context
        self.layout = layout
        self.lockPath = lockPath
    }

    /// Incremental when the table exists and `forceFull` is false (element changes, plus
    /// chains for new policy combinations); otherwise the whole table is replaced.
    @discardableResult
    public func apply(_ program: PolicyProgram, forceFull: Bool = false) throws(NFTablesError) -> Report {
        try NFTablesLock.withLock(path: lockPath) { () throws(NFTablesError) -> Report in
            let sync = PolicySync(layout: layout)
            if !forceFull, let state = try readState(), let tx = sync.incremental(from: state, to: program) {
                try tx.apply(context, operation: "update policy table \(layout.table) (\(tx.commandCount) commands)")
                return Report(mode: .incremental, commands: tx.commandCount)
            }
            // A full sync goes as native syntax (libnftables reads it much faster than JSON),
            // rendered once, without building the JSON transaction it is equivalent to.
            let (script, commands) = sync.fullSyncScriptAndCount(program)
            try NFTablesScriptRunner().run(script, operation: "replace policy table \(layout.table) (\(commands) commands)")
            return Report(mode: .full, commands: commands)
        }
    }

    /// The transaction `apply` would run now (incremental when possible), without running it.
    public func plan(_ program: PolicyProgram, forceFull: Bool = false) throws(NFTablesError) -> (Mode, NFTablesTransaction) {
        let sync = PolicySync(layout: layout)
        if !forceFull, let state = try readState(), let tx = sync.incremental(from: state, to: program) {
            return (.incremental, tx)
        }
        return (.full, sync.fullSync(program))
    }

    /// Whether the table holds exactly the program's chains and elements.
    public func isInSync(with program: PolicyProgram) throws(NFTablesError) -> Bool {
        guard let state = try readState() else { return false }
        return PolicySync(layout: layout).incremental(from: state, to: program)?.isEmpty == true
    }

    /// Chains (without rules), sets and maps of the table: what an incremental update
    /// compares. Listing the whole table would print every rule (seconds for 50,000 rules);
    /// these listings take milliseconds. `nil` when the table does not exist.
    public func readState() throws(NFTablesError) -> PolicyTableState? {
        // One libnftables run for the three listings: its cache (every set's elements) is
        // filled once instead of once per listing; protocols come as numbers.
        let family = layout.table.family.rawValue
        let documents = try NFTablesScriptRunner().list(
            "list chains \(family)\nlist sets \(family)\nlist maps \(family)\n",
            operation: "list chains, sets and maps of \(family)", numericProtocols: true)
        var listings: [NFTTableListing] = []
        for document in documents { listings.append(try NFTTableListing(parsing: document, table: layout.table)) }
        guard listings.contains(where: { !$0.chains.isEmpty || !$0.sets.isEmpty }) else { return nil }
        return PolicyTableState(listings: listings)
    }

    /// Per-rule counters of the table, in listing order.
    public func counters() throws(NFTablesError) -> [RuleCounter] {
        guard let listing = try context.listTable(layout.table) else { return [] }
        return RuleCounter.read(listing)
    }

    /// Removes the table (nothing to do when it does not exist).
    public func remove() throws(NFTablesError) {
        guard try context.listTable(layout.table) != nil else { return }
        var tx = NFTablesTransaction()
        tx.delete(layout.table)
        try tx.apply(context, operation: "delete policy table \(layout.table)")
    }
}

/// The counter of one rule of the policy table, with the comment naming its policy and rule.
public struct RuleCounter: Sendable, Equatable {
    public let chain: String
    public let comment: String
    public let packets: Int
    public let bytes: Int
    public let isDrop: Bool

    static func read(_ listing: NFTTableListing) -> [RuleCounter] {
        var out: [RuleCounter] = []
        for rule in listing.rules {
            guard let comment = rule.comment, let statements = rule.expressions.arrayValue else { continue }
            for statement in statements {
                guard let counter = statement.objectValue?["counter"]?.objectValue else { continue }
                let isDrop = statements.contains { $0.objectValue?["drop"] != nil }
                out.append(RuleCounter(
                    chain: rule.chain, comment: comment, packets: counter["packets"]?.intValue ?? 0,
                    bytes: counter["bytes"]?.intValue ?? 0, isDrop: isDrop))
            }
        }
        return out
    }
}
