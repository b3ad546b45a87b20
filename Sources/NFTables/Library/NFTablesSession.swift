/// What the ownership operations use: a netfilter netlink socket to read our tables, and a
/// libnftables context created only when something has to be written.
///
/// Reading costs a few netlink dumps and never loads libnftables, so an operation that finds
/// nothing to change (DEL of a pod without rules, an unchanged "ensure") costs microseconds
/// and no dynamic loading. Create the session inside the target namespace
/// (`NetworkNamespace.run`) and use it from that thread only.
public final class NFTablesSession {
    let socket: NetfilterSocket
    private var loadedContext: NFTablesContext?

    public init() throws(NFTablesError) {
        socket = try NetfilterSocket()
    }

    /// The libnftables context, created (and libnftables loaded) on first use.
    public func context() throws(NFTablesError) -> NFTablesContext {
        if let loadedContext { return loadedContext }
        let context = try NFTablesContext()
        loadedContext = context
        return context
    }

    /// Whether this session has loaded libnftables (it wrote something).
    public var hasLoadedLibnftables: Bool { loadedContext != nil }

    /// The table's chains and rules (handle and comment; expressions are not read), or nil
    /// when it does not exist. For the rules' expressions use `context().listTable(_:)`.
    public func snapshot(_ table: NFTTable) throws(NFTablesError) -> NFTTableListing? {
        try NFTDump(socket: socket).snapshot(table)
    }

    /// Like `snapshot(_:)`, reading only the rules of the chains `ruleScope` picks after
    /// seeing the table's chains.
    public func snapshot(
        _ table: NFTTable, ruleScope: (NFTTableListing) -> NFTRuleScope
    ) throws(NFTablesError) -> NFTTableListing? {
        try NFTDump(socket: socket).snapshot(table, ruleScope: ruleScope)
    }

    /// Applies a transaction; loads libnftables only when the transaction is not empty.
    public func apply(_ transaction: NFTablesTransaction, operation: String) throws(NFTablesError) {
        guard !transaction.isEmpty else { return }
        try transaction.apply(try context(), operation: operation)
    }
}
