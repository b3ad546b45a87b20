import CNISpec
import NFTables

/// The attachment's rules in `inet swcni_portmap`, through the ownership layer: every rule
/// tagged with (network, container, ifname), so DEL and GC need no `prevResult`; each
/// change is one read and at most one transaction.
struct PortMapTable {
    let owned: NFTOwnedTable

    init() throws(CNIError) {
        do {
            owned = try NFTOwnedTable(table: PortMapRules.table)
        } catch {
            throw PortMapError.nftables("open table \(PortMapRules.table)", error)
        }
    }

    func ensure(_ attachment: NFTAttachment, rules: [NFTChainRules]) throws(CNIError) {
        do {
            let session = try NFTablesSession()
            try owned.ensure(session, attachment: attachment, attachmentRules: rules)
        } catch {
            throw PortMapError.nftables("write the port mappings of \(attachment)", error)
        }
    }

    func remove(_ attachment: NFTAttachment) throws(CNIError) {
        do {
            try owned.remove(try NFTablesSession(), attachment: attachment)
        } catch {
            throw PortMapError.nftables("remove the port mappings of \(attachment)", error)
        }
    }

    func garbageCollect(network: String, keeping: [NFTAttachment]) throws(CNIError) {
        do {
            try owned.garbageCollect(try NFTablesSession(), network: network, keeping: keeping)
        } catch {
            throw PortMapError.nftables("garbage-collect the port mappings of network \(network)", error)
        }
    }

    /// The wanted rules that are missing (by tag, which covers each rule's content), as
    /// `chain: tag` texts; empty when everything is in place.
    func missing(_ attachment: NFTAttachment, rules: [NFTChainRules]) throws(CNIError) -> [String] {
        let listing: NFTTableListing?
        do {
            listing = try NFTablesSession().snapshot(PortMapRules.table)
        } catch {
            throw PortMapError.nftables("read table \(PortMapRules.table)", error)
        }
        var missing: [String] = []
        let membership = NFTMembership(attachment).chainName
        if listing?.chain(named: membership) == nil { missing.append("membership chain \(membership)") }
        for chainRules in rules {
            let present = Set(
                (listing?.rules(in: chainRules.chain.name) ?? []).compactMap { $0.comment.flatMap(RuleTag.init(comment:)) })
            for body in chainRules.rules {
                let tag = RuleTag.attachment(attachment, digest: RuleTag.digest(of: body))
                if !present.contains(tag) { missing.append("\(chainRules.chain.name): rule h=\(tag.digest)") }
            }
        }
        return missing
    }
}
