import NFTables
import Overlay

@testable import BridgePlugin

/// Operations the bridge plugin itself does not use, kept for the nftables layer tests: the
/// network's forward accept and the pod's masquerade in one transaction, and accepts between
/// cluster CIDRs in a base chain of their own (`forward-cluster`) on the same hook.
extension BridgeFirewall {
    var clusterForwardChain: NFTChain {
        NFTChain(table: filterTable.table, name: "forward-cluster", base: .forwardFilter)
    }

    @discardableResult
    func ensureForwardAccept(
        _ session: NFTablesSession, attachment: NFTAttachment, between cidrs: [NFTPrefix]
    ) throws(NFTablesError) -> Bool {
        try filterTable.ensure(
            session, attachment: attachment,
            networkRules: [NFTChainRules(chain: clusterForwardChain, rules: try NodeFirewall.forwardAcceptRules(between: cidrs))])
    }

    @discardableResult
    func ensureAttachment(
        _ session: NFTablesSession, attachment: NFTAttachment, forwardAcceptBridge bridge: String?,
        masquerade podAddresses: [NFTPrefix], excluding: [NFTPrefix] = []
    ) throws(NFTablesError) -> Bool {
        var networkRules: [NFTChainRules] = []
        var attachmentRules: [NFTChainRules] = []
        if let bridge {
            networkRules.append(try forwardAccept(bridge: bridge))
        }
        if !podAddresses.isEmpty {
            attachmentRules.append(NFTChainRules(
                chain: postroutingChain, rules: try Self.masqueradeRules(podAddresses: podAddresses, excluding: excluding)))
        }
        guard !networkRules.isEmpty || !attachmentRules.isEmpty else { return false }
        return try filterTable.ensure(
            session, attachment: attachment, networkRules: networkRules, attachmentRules: attachmentRules)
    }
}
