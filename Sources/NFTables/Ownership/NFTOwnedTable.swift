/// The rules wanted in one chain.
public struct NFTChainRules: Sendable {
    public let chain: NFTChain
    /// Rule bodies, in order. Identical bodies are kept once.
    public let rules: [[NFTStatement]]
    /// Text put first in the readable part of each rule's comment (after the tag): what a
    /// reader of `nft list ruleset`, or an `NFTNetworkRetirement`, needs to know of the rules
    /// (the netlink dump gives comments, not expressions). Not part of the digest.
    public let label: String?

    public init(chain: NFTChain, rules: [[NFTStatement]], label: String? = nil) {
        self.chain = chain
        self.rules = rules
        self.label = label
    }
}

/// Which networks of a table are gone (say, their bridge was deleted) although members still
/// keep their network rules alive: read from the network rules of one chain, by comment.
/// A network found gone loses its network rules and its members that own no rule of their
/// own (the network-level owners); members with rules of their own stay until their DEL.
public struct NFTNetworkRetirement: Sendable {
    /// The chain whose network rules are examined.
    public let chain: String
    /// Whether the network of this network rule is gone, from the rule's full comment.
    public let isGone: @Sendable (_ comment: String) -> Bool

    public init(chain: String, isGone: @escaping @Sendable (_ comment: String) -> Bool) {
        self.chain = chain
        self.isGone = isGone
    }
}

/// A table we own (name prefixed `swcni`), shared by the attachments that use it.
///
/// Ownership model:
/// * Every rule we write carries a `RuleTag` comment. Attachment rules belong to one
///   (network, container, ifname); network rules are shared by all attachments of a network.
/// * Every attachment that uses the table has a membership chain (`NFTMembership`: empty,
///   never jumped to). Network rules live while their network has a member; the table lives
///   while it has any member: the last attachment to leave deletes it.
/// * Reads are netlink dumps (`NFTablesSession.snapshot`), never libnftables: the table and
///   chain lists always (cheap: no expressions), and only the rules that the decision needs:
///   an ADD of a new attachment reads the rules of the chains holding network rules (a few),
///   not the per-pod rules; a DEL of an unknown attachment reads no rule at all.
/// * `ensure` writes only when something differs (by tag, which includes a digest of each
///   rule's content), in one transaction; `remove` and `garbageCollect` find rules by tag,
///   without `prevResult`, and delete them with the network rules left without members, the
///   base chains left empty, or the whole table, in one transaction.
/// * Read and write happen under `NFTablesLock` (when `lockPath` is set), so concurrent
///   plugins never duplicate shared rules or race a table deletion.
///
/// One component (bridge, vxlan, ...) per table: network rules of a network in a chain are
/// replaced by whatever the last `ensure` for that chain wanted. Chain names starting with
/// `m-` are reserved for memberships.
public struct NFTOwnedTable: Sendable {
    public let table: NFTTable
    public let lockPath: String?

    public init(table: NFTTable, lockPath: String? = NFTablesLock.defaultPath) throws(NFTablesError) {
        guard table.name.hasPrefix(RuleTag.marker) else {
            throw .invalidArgument("table \(table)", "tables we own must be named with the \"\(RuleTag.marker)\" prefix")
        }
        self.table = table
        self.lockPath = lockPath
    }

    public func membershipChain(_ attachment: NFTAttachment) -> NFTChain {
        NFTChain(table: table, name: NFTMembership(attachment).chainName)
    }

    // MARK: Operations

    /// Makes `attachment`'s rules and its network's rules in the given chains exactly the
    /// ones wanted, creating table and chains as needed. Returns true when it wrote anything.
    @discardableResult
    public func ensure(
        _ session: NFTablesSession, attachment: NFTAttachment,
        networkRules: [NFTChainRules] = [], attachmentRules: [NFTChainRules] = []
    ) throws(NFTablesError) -> Bool {
        let membership = NFTMembership(attachment).chainName
        let networkChains = Set(networkRules.map(\.chain.name))
        let attachmentChains = Set(attachmentRules.map(\.chain.name))
        return try readPlanApply(
            session, operation: "ensure rules of \(attachment) in table \(table)",
            ruleScope: { listing in
                // A new attachment (no membership) has no rules: read only the network rules.
                listing.chain(named: membership) == nil
                    ? .chains(networkChains) : .chains(networkChains.union(attachmentChains))
            },
            plan: { listing throws(NFTablesError) in
                try planEnsure(
                    listing: listing, attachment: attachment, networkRules: networkRules,
                    attachmentRules: attachmentRules)
            })
    }

    /// Removes every rule of `attachment` (and what no one uses any more). Idempotent.
    /// With `retiring`, also retires the networks it finds gone, in the same transaction.
    @discardableResult
    public func remove(
        _ session: NFTablesSession, attachment: NFTAttachment, retiring: NFTNetworkRetirement? = nil
    ) throws(NFTablesError) -> Bool {
        let key = attachment.key
        return try removeMatching(
            session, operation: "remove rules of \(attachment) from table \(table)", retiring: retiring
        ) { $0.attachmentKey == key }
    }

    /// Removes the rules of `network`'s attachments that are not in `valid` (CNI GC).
    @discardableResult
    public func garbageCollect(
        _ session: NFTablesSession, network: String, keeping valid: [NFTAttachment],
        retiring: NFTNetworkRetirement? = nil
    ) throws(NFTablesError) -> Bool {
        let networkKey = NFTAttachment.networkKey(network)
        let keep = Set(valid.filter { $0.network == network }.map(\.key))
        return try removeMatching(
            session, operation: "garbage-collect network \(network) in table \(table)", retiring: retiring
        ) { $0.networkKey == networkKey && !keep.contains($0.attachmentKey) }
    }

    private func removeMatching(
        _ session: NFTablesSession, operation: String, retiring: NFTNetworkRetirement?,
        _ matches: @escaping (NFTMembership) -> Bool
    ) throws(NFTablesError) -> Bool {
        try readPlanApply(
            session, operation: operation,
            read: { () throws(NFTablesError) -> NFTTableListing? in
                // Rules are read only when some member goes, or, to look for gone networks,
                // the one chain that tells; everything when one is gone.
                let first = try session.snapshot(table) { listing in
                    if listing.memberships.contains(where: matches) { return .all }
                    return retiring.map { .chains([$0.chain]) } ?? .chains([])
                }
                guard let retiring, let first, first.rulesRead != .all,
                    !Self.goneNetworks(first, retiring).isEmpty
                else { return first }
                return try session.snapshot(table) { _ in .all }
            },
            plan: { listing in
                planRemoval(
                    listing: listing, removing: matches,
                    retiring: listing.map { l in retiring.map { Self.goneNetworks(l, $0) } ?? [] } ?? [])
            })
    }

    /// The network keys whose network rules in `retiring.chain` say their network is gone.
    static func goneNetworks(_ listing: NFTTableListing, _ retiring: NFTNetworkRetirement) -> Set<String> {
        guard listing.hasRules(of: retiring.chain) else { return [] }
        var gone: Set<String> = []
        var alive: Set<String> = []
        for rule in listing.rules(in: retiring.chain) {
            guard let comment = rule.comment, let tag = RuleTag(comment: comment), tag.attachmentKey == nil,
                !gone.contains(tag.networkKey), !alive.contains(tag.networkKey)
            else { continue }
            if retiring.isGone(comment) { gone.insert(tag.networkKey) } else { alive.insert(tag.networkKey) }
        }
        return gone
    }

    /// Under the lock: read, plan, apply. When the transaction fails because an object
    /// vanished (ENOENT: a writer that does not take our lock changed the table between read
    /// and write), reads and plans once more. Returns true when it wrote anything.
    private func readPlanApply(
        _ session: NFTablesSession, operation: String, ruleScope: @escaping (NFTTableListing) -> NFTRuleScope,
        plan: (NFTTableListing?) throws(NFTablesError) -> NFTablesTransaction
    ) throws(NFTablesError) -> Bool {
        try readPlanApply(
            session, operation: operation,
            read: { () throws(NFTablesError) -> NFTTableListing? in try session.snapshot(table, ruleScope: ruleScope) },
            plan: plan)
    }

    private func readPlanApply(
        _ session: NFTablesSession, operation: String, read: () throws(NFTablesError) -> NFTTableListing?,
        plan: (NFTTableListing?) throws(NFTablesError) -> NFTablesTransaction
    ) throws(NFTablesError) -> Bool {
        try NFTablesLock.withLock(path: lockPath) { () throws(NFTablesError) -> Bool in
            var attempt = 0
            while true {
                attempt += 1
                let transaction = try plan(try read())
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
    /// nothing differs. Rules of a chain whose rules the listing did not read count as absent
    /// (correct for a non-member, whose rules do not exist).
    public func planEnsure(
        listing: NFTTableListing?, attachment: NFTAttachment,
        networkRules: [NFTChainRules], attachmentRules: [NFTChainRules]
    ) throws(NFTablesError) -> NFTablesTransaction {
        var transaction = NFTablesTransaction()
        if listing == nil { transaction.add(table) }

        var chains: [NFTChain] = []
        for chain in networkRules.map(\.chain) + attachmentRules.map(\.chain) {
            guard chain.table == table else {
                throw .invalidArgument("chain \(chain.name)", "belongs to table \(chain.table), not \(table)")
            }
            if chain.name.hasPrefix(NFTMembership.prefix) {
                throw .invalidArgument("chain \(chain.name)", "names starting with \"\(NFTMembership.prefix)\" are reserved for memberships")
            }
            if !chains.contains(where: { $0.name == chain.name }) { chains.append(chain) }
        }
        for chain in chains where listing?.chain(named: chain.name) == nil {
            transaction.add(chain)
        }
        let membership = membershipChain(attachment)
        if listing?.chain(named: membership.name) == nil { transaction.add(membership) }

        for wanted in networkRules {
            reconcile(
                &transaction, listing: listing, chain: wanted.chain, bodies: wanted.rules,
                owns: { $0.attachmentKey == nil && $0.networkKey == attachment.networkKey },
                tag: { RuleTag.network(attachment.network, digest: $0) },
                readable: wanted.label.map { "\($0) \(attachment.network)" } ?? attachment.network)
        }
        let owner = "\(attachment.network)/\(attachment.containerID.prefix(12))/\(attachment.ifname)"
        for wanted in attachmentRules {
            reconcile(
                &transaction, listing: listing, chain: wanted.chain, bodies: wanted.rules,
                owns: { $0.attachmentKey == attachment.key },
                tag: { RuleTag.attachment(attachment, digest: $0) },
                readable: wanted.label.map { "\($0) \(owner)" } ?? owner)
        }
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
        if let listing, listing.hasRules(of: chain.name) {
            for rule in listing.rules(in: chain.name) {
                guard let comment = rule.comment, let t = RuleTag(comment: comment), owns(t) else { continue }
                if wanted.contains(where: { $0.tag == t }), !present.contains(t) {
                    present.insert(t)
                } else {
                    transaction.deleteRule(in: chain, handle: rule.handle)  // stale or duplicate
                }
            }
        }
        for item in wanted where !present.contains(item.tag) {
            transaction.add(NFTRule(chain: chain, statements: item.statements, comment: item.tag.comment(readable: readable)))
        }
    }

    /// The transaction that deletes the memberships matching `removing` with every rule of
    /// those attachments, then network rules whose network has no member left and base
    /// chains left empty, or the whole table when no member is left. Networks in `retiring`
    /// (network keys) lose their network rules and the members that own no rule of their own.
    /// Empty when nothing goes. Needs all rules in `listing` when some member matches or
    /// `retiring` is not empty.
    public func planRemoval(
        listing: NFTTableListing?, removing: (NFTMembership) -> Bool, retiring: Set<String> = []
    ) -> NFTablesTransaction {
        var transaction = NFTablesTransaction()
        guard let listing else { return transaction }
        let members = listing.memberships
        var leaving = Set(members.filter(removing))
        if !retiring.isEmpty {
            var owningRules: Set<String> = []
            for rule in listing.rules {
                if let comment = rule.comment, let key = RuleTag(comment: comment)?.attachmentKey { owningRules.insert(key) }
            }
            for member in members where retiring.contains(member.networkKey) && !owningRules.contains(member.attachmentKey) {
                leaving.insert(member)
            }
        }
        guard !leaving.isEmpty || !retiring.isEmpty else { return transaction }
        let staying = members.filter { !leaving.contains($0) }
        if staying.isEmpty {
            transaction.delete(table)  // the last user turns the lights off
            return transaction
        }
        let leavingKeys = Set(leaving.map(\.attachmentKey))
        let networksStaying = Set(staying.map(\.networkKey)).subtracting(retiring)
        var doomed: Set<Int> = []
        for rule in listing.rules {
            guard let comment = rule.comment, let tag = RuleTag(comment: comment) else { continue }
            if let key = tag.attachmentKey {
                if leavingKeys.contains(key) { doomed.insert(rule.handle) }
            } else if !networksStaying.contains(tag.networkKey) {
                doomed.insert(rule.handle)
            }
        }
        for rule in listing.rules where doomed.contains(rule.handle) {
            transaction.deleteRule(in: NFTChain(table: table, name: rule.chain), handle: rule.handle)
        }
        for member in members where leaving.contains(member) {
            transaction.delete(NFTChain(table: table, name: member.chainName))
        }
        for chain in listing.chains where chain.hook != nil {
            let rules = listing.rules(in: chain.name)
            if !rules.isEmpty && rules.allSatisfy({ doomed.contains($0.handle) }) {
                transaction.delete(NFTChain(table: table, name: chain.name))
            }
        }
        return transaction
    }
}
