import CNISpec
import NFTables

/// Reads and changes every table the firewall touches in ONE transaction per operation,
/// under the host-wide nftables lock: our `inet swcni_firewall` (through the ownership
/// layer's planning), the admin table, and the foreign forward chains.
struct FirewallTables {
    let owned: NFTOwnedTable
    let lockPath: String? = NFTablesLock.defaultPath

    init() throws(CNIError) {
        do {
            owned = try NFTOwnedTable(table: FirewallRules.table, lockPath: nil)
        } catch {
            throw FirewallError.nftables("open table \(FirewallRules.table)", error)
        }
    }

    /// What one foreign chain should hold for the attachment.
    struct ForeignChain {
        var chain: NFTChain
        var rules: [[NFTStatement]]
    }

    /// The foreign base chains on the forward hook (tables not named `swcni*`), with whether
    /// their policy drops.
    private func foreignForwardChains(_ session: NFTablesSession) throws(NFTablesError) -> [NFTBaseChainInfo] {
        try session.baseChains().filter { $0.isForward && !$0.table.name.hasPrefix("swcni") }
    }

    // MARK: ADD

    func ensure(
        _ attachment: NFTAttachment, addresses: [NFTPrefix], isolation: [NFTChainRules], adminChain: String
    ) throws(CNIError) {
        try locked("write the firewall rules of \(attachment)") { session throws(NFTablesError) in
            let own = try session.snapshot(FirewallRules.table)
            var transaction = try owned.planEnsure(
                listing: own, attachment: attachment, networkRules: isolation,
                attachmentRules: Self.ownRules(addresses))
            let admin = try session.snapshot(FirewallRules.adminTable)
            if admin?.chain(named: adminChain) == nil {
                if admin == nil { transaction.add(FirewallRules.adminTable) }
                transaction.add(FirewallRules.adminChain(adminChain))
            }
            for info in try foreignForwardChains(session) where info.dropsByDefault {
                let listing = try session.snapshot(info.table)
                let wanted = FirewallRules.foreignAccepts(addresses.filter { FirewallRules.accepts(info.table.family, $0) })
                reconcileForeign(
                    &transaction, chain: NFTChain(table: info.table, name: info.name), listing: listing,
                    attachment: attachment, bodies: wanted)
            }
            return transaction
        }
    }

    /// Deletes the attachment's rules in `chain` that are not wanted and inserts the missing
    /// wanted ones at the top.
    private func reconcileForeign(
        _ transaction: inout NFTablesTransaction, chain: NFTChain, listing: NFTTableListing?, attachment: NFTAttachment,
        bodies: [[NFTStatement]]
    ) {
        var present: Set<RuleTag> = []
        let tags = bodies.map { RuleTag.attachment(attachment, digest: RuleTag.digest(of: $0)) }
        for rule in listing?.rules(in: chain.name) ?? [] {
            guard let comment = rule.comment, let tag = RuleTag(comment: comment), tag.attachmentKey == attachment.key else {
                continue
            }
            if tags.contains(tag), !present.contains(tag) {
                present.insert(tag)
            } else {
                transaction.deleteRule(in: chain, handle: rule.handle)
            }
        }
        let readable = "\(attachment.network)/\(attachment.containerID.prefix(12))/\(attachment.ifname)"
        for (tag, body) in zip(tags, bodies) where !present.contains(tag) {
            present.insert(tag)
            transaction.insert(NFTRule(chain: chain, statements: body, comment: tag.comment(readable: readable)))
        }
    }

    static func ownRules(_ addresses: [NFTPrefix]) -> [NFTChainRules] {
        [
            NFTChainRules(chain: FirewallRules.mark, rules: FirewallRules.marks(addresses)),
            NFTChainRules(chain: FirewallRules.forward, rules: FirewallRules.accepts(addresses)),
        ]
    }

    // MARK: DEL and GC

    /// Removes the rules of the attachments `removing` picks, in our table and in every
    /// foreign forward chain (whatever its policy now), without prevResult.
    func remove(operation: String, _ removing: @escaping (RuleTag) -> Bool, members: @escaping (NFTMembership) -> Bool) throws(CNIError) {
        try locked(operation) { session throws(NFTablesError) in
            var transaction = owned.planRemoval(listing: try session.snapshot(FirewallRules.table), removing: members)
            var seen: Set<NFTTable> = []
            for info in try foreignForwardChains(session) where !seen.contains(info.table) {
                seen.insert(info.table)
                guard let listing = try session.snapshot(info.table) else { continue }
                for rule in listing.rules {
                    guard let comment = rule.comment, let tag = RuleTag(comment: comment), tag.attachmentKey != nil,
                        removing(tag)
                    else { continue }
                    transaction.deleteRule(in: NFTChain(table: info.table, name: rule.chain), handle: rule.handle)
                }
            }
            return transaction
        }
    }

    // MARK: CHECK

    func missing(
        _ attachment: NFTAttachment, addresses: [NFTPrefix], isolation: [NFTChainRules], adminChain: String
    ) throws(CNIError) -> [String] {
        do {
            let session = try NFTablesSession()
            var missing: [String] = []
            let own = try session.snapshot(FirewallRules.table)
            if own?.chain(named: NFTMembership(attachment).chainName) == nil { missing.append("membership of \(attachment)") }
            let ownTags = Set((own?.rules ?? []).compactMap { $0.comment.flatMap(RuleTag.init(comment:)) })
            for chainRules in Self.ownRules(addresses) {
                for body in chainRules.rules {
                    let tag = RuleTag.attachment(attachment, digest: RuleTag.digest(of: body))
                    if !ownTags.contains(tag) { missing.append("\(FirewallRules.table) \(chainRules.chain.name) h=\(tag.digest)") }
                }
            }
            for chainRules in isolation {
                for body in chainRules.rules {
                    let tag = RuleTag.network(attachment.network, digest: RuleTag.digest(of: body))
                    if !ownTags.contains(tag) { missing.append("\(FirewallRules.table) \(chainRules.chain.name) h=\(tag.digest)") }
                }
            }
            if try session.snapshot(FirewallRules.adminTable)?.chain(named: adminChain) == nil {
                missing.append("admin chain \(FirewallRules.adminTable) \(adminChain)")
            }
            for info in try foreignForwardChains(session) where info.dropsByDefault {
                let rules = try session.snapshot(info.table)?.rules(in: info.name) ?? []
                let tags = Set(rules.compactMap { $0.comment.flatMap(RuleTag.init(comment:)) })
                for body in FirewallRules.foreignAccepts(addresses.filter { FirewallRules.accepts(info.table.family, $0) }) {
                    let tag = RuleTag.attachment(attachment, digest: RuleTag.digest(of: body))
                    if !tags.contains(tag) { missing.append("\(info.table) \(info.name) h=\(tag.digest)") }
                }
            }
            return missing
        } catch {
            throw FirewallError.nftables("read the firewall rules", error)
        }
    }

    // MARK: Locking

    /// Under the lock: plan from fresh reads, apply; once more when an object vanished in
    /// between (a writer that does not take our lock, e.g. iptables).
    private func locked(
        _ operation: String, _ plan: (NFTablesSession) throws(NFTablesError) -> NFTablesTransaction
    ) throws(CNIError) {
        do {
            try NFTablesLock.withLock(path: lockPath) { () throws(NFTablesError) in
                let session = try NFTablesSession()
                var attempt = 0
                while true {
                    attempt += 1
                    let transaction = try plan(session)
                    do throws(NFTablesError) {
                        try session.apply(transaction, operation: operation)
                        return
                    } catch where error.isNotFound && attempt < 2 {
                        continue
                    }
                }
            }
        } catch {
            throw FirewallError.nftables(operation, error)
        }
    }
}
