import CNISpec
import NFTables
import Netlink

/// The node's nftables rules in our own table `inet swcni_vxlan` (apart from the bridge's,
/// since an owned table keeps one component's network rules per chain):
///
/// * chain `forward`: `ip saddr {cluster CIDRs} ip daddr {cluster CIDRs} accept` per family,
///   NAT-free pod-to-pod forwarding across nodes;
/// * chain `postrouting` (only with `ipMasq`): `ip saddr {local pod CIDRs} ip daddr !=
///   {cluster CIDRs, multicast} masquerade`: traffic leaving the cluster is masqueraded,
///   pod-to-pod never is.
///
/// The rules belong to a node-level owner (network, "node", device), so no pod's DEL or GC
/// removes them; `remove` (used when the network is taken off the node) does.
public struct NodeFirewall {
    public static let table = NFTTable(.inet, "swcni_vxlan")
    let network: String
    let device: String

    var owner: NFTAttachment { NFTAttachment(network: network, containerID: "node", ifname: device) }

    var forwardChain: NFTChain {
        NFTChain(table: Self.table, name: "forward", base: .forwardFilter)
    }

    var postroutingChain: NFTChain {
        NFTChain(table: Self.table, name: "postrouting", base: .postroutingSourceNAT)
    }

    /// Per family: `ip saddr { cidrs } ip daddr { cidrs } accept`.
    public static func forwardAcceptRules(between cidrs: [NFTPrefix]) throws(NFTablesError) -> [[NFTStatement]] {
        guard !cidrs.isEmpty else { throw .invalidArgument("cluster CIDRs", "no CIDRs given") }
        var rules: [[NFTStatement]] = []
        for family in [NFTPrefix.Family.ipv4, .ipv6] {
            let members = cidrs.filter { $0.family == family }.map(\.network)
            guard !members.isEmpty else { continue }
            rules.append([try .saddr(anyOf: members), try .daddr(anyOf: members), .accept])
        }
        return rules
    }

    static func masqueradeRules(local: [NFTPrefix], cluster: [NFTPrefix]) throws(NFTablesError) -> [[NFTStatement]] {
        var rules: [[NFTStatement]] = []
        for family in [NFTPrefix.Family.ipv4, .ipv6] {
            let sources = local.filter { $0.family == family }
            guard !sources.isEmpty else { continue }
            let excluded = cluster.filter { $0.family == family } + [.multicast(family)]
            rules.append([try .saddr(anyOf: sources), try .daddr(anyOf: excluded, negated: true), .counter, .masquerade])
        }
        return rules
    }

    func ensure(cluster: [InetPrefix], local: [InetPrefix], ipMasq: Bool) throws(CNIError) {
        do {
            let table = try NFTOwnedTable(table: Self.table)
            let session = try NFTablesSession()
            var clusterPrefixes: [NFTPrefix] = []
            for c in cluster { clusterPrefixes.append(try NFTPrefix(c.description)) }
            var localPrefixes: [NFTPrefix] = []
            for c in local { localPrefixes.append(try NFTPrefix(c.description)) }
            var chains = [NFTChainRules(chain: forwardChain, rules: try Self.forwardAcceptRules(between: clusterPrefixes))]
            chains.append(
                NFTChainRules(chain: postroutingChain, rules: ipMasq ? try Self.masqueradeRules(local: localPrefixes, cluster: clusterPrefixes) : []))
            _ = try table.ensure(session, attachment: owner, networkRules: chains)
        } catch {
            let inner = error.cniError
            throw CNIError(inner.code, "nftables rules of \(device): \(inner.msg)", details: inner.details)
        }
    }
}
