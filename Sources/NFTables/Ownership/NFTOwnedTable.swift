/// The rules wanted in one chain.
public struct NFTChainRules: Sendable {
    public let chain: NFTChain
    /// Rule bodies, in order. Identical bodies are kept once.
    public let rules: [[NFTStatement]]

    public init(chain: NFTChain, rules: [[NFTStatement]]) {
        self.chain = chain
        self.rules = rules
    }
}

/// A table we own (name prefixed `swcni`), shared by the attachments that use it.
///
/// Ownership model:
/// * Every rule we write carries a `RuleTag` comment. Attachment rules belong to one
///   (network, container, ifname); network rules are shared by all attachments of a network.
/// * Every attachment that uses the table has a membership rule (`return`, never reached: the
///   chain `attachments` is not a base chain and nothing jumps to it, so it costs packets
///   nothing). Network rules live while their network has a member; the table lives while it
///   has any member: the last attachment to leave deletes it.
/// * `ensure` reads the table once (netlink dumps of its chains and rules' handles and
///   comments, no libnftables) and writes only when something differs (by tag, which
///   includes a digest of each rule's content), in one transaction; unchanged costs a few
///   dumps, no write and no loading of libnftables.
/// * `remove` and `garbageCollect` find rules by tag, without `prevResult`, and delete them,
///   the network rules left without members, base chains left empty, or the whole table,
///   in one transaction.
/// * List and write happen under `NFTablesLock` (when `lockPath` is set), so concurrent
///   plugins never duplicate shared rules or race a table deletion.
///
/// One component (bridge, vxlan, ...) per table: network rules of a network in a chain are
/// replaced by whatever the last `ensure` for that chain wanted.
public struct NFTOwnedTable: Sendable {
    public let table: NFTTable
    public let lockPath: String?

    public static let membershipChainName = "attachments"

    public init(table: NFTTable, lockPath: String? = NFTablesLock.defaultPath) throws(NFTablesError) {
        guard table.name.hasPrefix(RuleTag.marker) else {
            throw .invalidArgument("table \(table)", "tables we own must be named with the \"\(RuleTag.marker)\" prefix")
        }
        self.table = table
        self.lockPath = lockPath
    }

    public var membershipChain: NFTChain { NFTChain(table: table, name: Self.membershipChainName) }

    static let membershipStatements: [NFTStatement] = [.return]

    // MARK: Operations

    /// Makes `attachment`'s rules and its network's rules in the given chains exactly the
    /// ones wanted, creating table and chains as needed. Returns true when it wrote anything.
    @discardableResult
    public func ensure(
        _ session: NFTablesSession, attachment: NFTAttachment,
        networkRules: [NFTChainRules] = [], attachmentRules: [NFTChainRules] = []
    ) throws(NFTablesError) -> Bool {
        try listPlanApply(session, operation: "ensure rules of \(attachment) in table \(table)") { listing throws(NFTablesError) in
            try planEnsure(
                listing: listing, attachment: attachment, networkRules: networkRules, attachmentRules: attachmentRules)
        }
    }

    /// Removes every rule of `attachment` (and what no one uses any more). Idempotent.
    @discardableResult
    public func remove(_ session: NFTablesSession, attachment: NFTAttachment) throws(NFTablesError) -> Bool {
        let key = attachment.key
        return try removeTagged(session, operation: "remove rules of \(attachment) from table \(table)") {
            $0.attachmentKey == key
        }
    }

    /// Removes the rules of `network`'s attachments that are not in `valid` (CNI GC).
    @discardableResult
    public func garbageCollect(
        _ session: NFTablesSession, network: String, keeping valid: [NFTAttachment]
    ) throws(NFTablesError) -> Bool {
        let networkKey = NFTAttachment.networkKey(network)
        let keep = Set(valid.filter { $0.network == network }.map(\.key))
        return try removeTagged(session, operation: "garbage-collect network \(network) in table \(table)") { tag in
            guard tag.networkKey == networkKey, let key = tag.attachmentKey else { return false }
            return !keep.contains(key)
        }
    }

    private func removeTagged(
        _ session: NFTablesSession, operation: String, _ matches: @escaping (RuleTag) -> Bool
    ) throws(NFTablesError) -> Bool {
        try listPlanApply(session, operation: operation) { listing throws(NFTablesError) in
            planRemoval(listing: listing, removing: matches)
        }
    }

    /// Under the lock: list the table, plan, apply. When the transaction fails because an
    /// object vanished (ENOENT: a writer that does not take our lock changed the table between
    /// list and apply), lists and plans once more. Returns true when it wrote anything.
    private func listPlanApply(
        _ session: NFTablesSession, operation: String,
        _ plan: (NFTTableListing?) throws(NFTablesError) -> NFTablesTransaction
    ) throws(NFTablesError) -> Bool {
        try NFTablesLock.withLock(path: lockPath) { () throws(NFTablesError) -> Bool in
            var attempt = 0
            while true {
                attempt += 1
                let transaction = try plan(try session.snapshot(table))
                do throws(NFTablesError) {
                    try session.apply(transaction, operation: operation)
                    return !transaction.isEmpty
                } catch where error.isNotFound && attempt < 2 {
                    continue
                }
            }
        }
    }

    // MARK: Planning (pure: listing in, transaction out)

    /// The transaction that brings `listing` (nil: no table) to the wanted state; empty when
    /// nothing differs.
    public func planEnsure(
        listing: NFTTableListing?, attachment: NFTAttachment,
        networkRules: [NFTChainRules], attachmentRules: [NFTChainRules]
    ) throws(NFTablesError) -> NFTablesTransaction {
        var transaction = NFTablesTransaction()
        if listing == nil { transaction.add(table) }

        var chains: [NFTChain] = []
        for chain in [membershipChain] + networkRules.map(\.chain) + attachmentRules.map(\.chain) {
            guard chain.table == table else {
                throw .invalidArgument("chain \(chain.name)", "belongs to table \(chain.table), not \(table)")
            }
            if chain.name == Self.membershipChainName, chain != membershipChain {
                throw .invalidArgument("chain \(chain.name)", "the name is reserved for attachment membership")
            }
            if !chains.contains(where: { $0.name == chain.name }) { chains.append(chain) }
        }
        for chain in chains where listing?.chain(named: chain.name) == nil {
            transaction.add(chain)
        }

        for wanted in networkRules {
            reconcile(
                &transaction, listing: listing, chain: wanted.chain, bodies: wanted.rules,
                owns: { $0.attachmentKey == nil && $0.networkKey == attachment.networkKey },
                tag: { RuleTag.network(attachment.network, digest: $0) }, readable: attachment.network)
        }
        let readable = "\(attachment.network)/\(attachment.containerID.prefix(12))/\(attachment.ifname)"
        for wanted in attachmentRules where wanted.chain.name != Self.membershipChainName {
            reconcile(
                &transaction, listing: listing, chain: wanted.chain, bodies: wanted.rules,
                owns: { $0.attachmentKey == attachment.key },
                tag: { RuleTag.attachment(attachment, digest: $0) }, readable: readable)
        }
        reconcile(
            &transaction, listing: listing, chain: membershipChain, bodies: [Self.membershipStatements],
            owns: { $0.attachmentKey == attachment.key },
            tag: { RuleTag.attachment(attachment, digest: $0) }, readable: readable)
        return transaction
    }

    /// Deletes rules in `chain` owned by the scope (`owns`) that are not wanted, and adds
    /// the wanted ones that are missing.
    private func reconcile(
        _ transaction: inout NFTablesTransaction, listing: NFTTableListing?, chain: NFTChain,
        bodies: [[NFTStatement]], owns: (RuleTag) -> Bool, tag: (String) -> RuleTag, readable: String
    ) {
        var wanted: [(tag: RuleTag, statements: [NFTStatement])] = []
        for body in bodies {
            let t = tag(RuleTag.digest(of: body))
            if !wanted.contains(where: { $0.tag == t }) { wanted.append((t, body)) }
        }
        var present: Set<RuleTag> = []
        for rule in listing?.rules(in: chain.name) ?? [] {
            guard let comment = rule.comment, let t = RuleTag(comment: comment), owns(t) else { continue }
            if wanted.contains(where: { $0.tag == t }), !present.contains(t) {
                present.insert(t)
            } else {
                transaction.deleteRule(in: chain, handle: rule.handle)  // stale or duplicate
            }
        }
        for item in wanted where !present.contains(item.tag) {
            transaction.add(NFTRule(chain: chain, statements: item.statements, comment: item.tag.comment(readable: readable)))
        }
    }

    /// The transaction that deletes every attachment rule matching `removing`, then network
    /// rules whose network has no member left, base chains left empty, or the whole table
    /// when no attachment uses it any more. Empty when there is nothing to do.
    public func planRemoval(listing: NFTTableListing?, removing: (RuleTag) -> Bool) -> NFTablesTransaction {
        var transaction = NFTablesTransaction()
        guard let listing else { return transaction }
        var doomed: [NFTTableListing.Rule] = []
        var users: Set<String> = []  // network keys with a remaining attachment rule
        var anyUser = false
        var networkRules: [(NFTTableListing.Rule, RuleTag)] = []
        for rule in listing.rules {
            guard let comment = rule.comment, let tag = RuleTag(comment: comment) else { continue }
            if tag.attachmentKey == nil {
                networkRules.append((rule, tag))
            } else if removing(tag) {
                doomed.append(rule)
            } else {
                anyUser = true
                users.insert(tag.networkKey)
            }
        }
        if !anyUser {
            transaction.delete(table)  // the last user turns the lights off
            return transaction
        }
        for (rule, tag) in networkRules where !users.contains(tag.networkKey) { doomed.append(rule) }
        guard !doomed.isEmpty else { return transaction }
        let doomedHandles = Set(doomed.map(\.handle))
        for rule in doomed {
            transaction.deleteRule(in: NFTChain(table: table, name: rule.chain), handle: rule.handle)
        }
        for chain in listing.chains where chain.hook != nil {
            let remaining = listing.rules(in: chain.name).filter { !doomedHandles.contains($0.handle) }
            let hadDoomed = listing.rules(in: chain.name).count != remaining.count
            if remaining.isEmpty && hadDoomed { transaction.delete(NFTChain(table: table, name: chain.name)) }
        }
        return transaction
    }
}
