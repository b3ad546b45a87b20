import NFTables

/// The rules of the firewall plugin (pure: addresses and options in, rule bodies out).
///
/// * `inet swcni_firewall` (ours, shared, tagged per attachment and network):
///   - `forward` (filter, hook forward, priority filter): per container address
///     `ip daddr X ct state established,related accept` and `ip saddr X accept`;
///   - `mark` (filter, hook forward, priority filter - 5), per container address:
///     `ip daddr X ct state established,related meta mark set meta mark | 0x20000`, read by
///     the foreign accepts below;
///   - `isolation` (filter, hook forward, priority filter - 10) and `isolation-stage2`
///     (regular), per network with an isolating ingressPolicy (Docker's stages):
///     `iifname B oifname != B jump isolation-stage2`, `oifname B drop` in stage 2, and for
///     `isolated` `iifname B oifname B drop`.
/// * `inet swcni_admin`: one base chain per admin chain name (filter, hook forward, priority
///   filter - 20), created empty when missing and never edited or deleted by the plugin.
/// * Foreign base chains on the forward hook whose policy is drop (iptables-nft's
///   `ip filter FORWARD`, `ip6 filter FORWARD` under Docker, a native nft table), inserted at
///   the top, tagged like ours: `ip saddr X accept` and `ip daddr X meta mark & 0x20000 ==
///   0x20000 accept`. A drop in any base chain is final, so an accept in our own table alone
///   cannot get pods through. The mark stands in for `ct state`: iptables-nft 1.8 cannot
///   parse a native `ct state` match and then refuses to touch the whole chain ("incompatible",
///   which would break Docker's own iptables calls), while it reads a mark match as
///   `-m mark --mark 0x20000/0x20000`.
public enum FirewallRules {
    public static let table = NFTTable(.inet, "swcni_firewall")
    public static let adminTable = NFTTable(.inet, "swcni_admin")

    public static let forward = NFTChain(table: table, name: "forward", base: .forwardFilter)
    public static let isolation = NFTChain(
        table: table, name: "isolation",
        base: NFTBaseChain(type: .filter, hook: .forward, priority: NFTBaseChain.filterPriority - 10))
    public static let isolationStage2 = NFTChain(table: table, name: "isolation-stage2")

    public static func adminChain(_ name: String) -> NFTChain {
        NFTChain(
            table: adminTable, name: name,
            base: NFTBaseChain(type: .filter, hook: .forward, priority: NFTBaseChain.filterPriority - 20))
    }

    /// The packet-mark bit that says "established or related, to a container of ours".
    public static let establishedMark = 0x20000

    public static let mark = NFTChain(
        table: table, name: "mark",
        base: NFTBaseChain(type: .filter, hook: .forward, priority: NFTBaseChain.filterPriority - 5))

    /// The mark rules for the container's addresses.
    public static func marks(_ addresses: [NFTPrefix]) -> [[NFTStatement]] {
        addresses.map { [.daddr($0.host), .ctState([.established, .related]), .setMarkBits(establishedMark)] }
    }

    /// The accepts in foreign chains (iptables-nft compatible).
    public static func foreignAccepts(_ addresses: [NFTPrefix]) -> [[NFTStatement]] {
        addresses.flatMap { address in
            [[.daddr(address.host), .markHasBits(establishedMark), .accept], [.saddr(address.host), .accept]]
        }
    }

    /// The accepts for the container's addresses.
    public static func accepts(_ addresses: [NFTPrefix]) -> [[NFTStatement]] {
        addresses.flatMap { address in
            [[.daddr(address.host), .ctState([.established, .related]), .accept], [.saddr(address.host), .accept]]
        }
    }

    /// Network rules of the isolating policies, per chain.
    public static func isolationRules(_ policy: FirewallConfig.IngressPolicy, bridge: String) -> [NFTChainRules] {
        switch policy {
        case .open:
            return []
        case .sameBridge, .isolated:
            var stage1: [[NFTStatement]] = []
            if policy == .isolated { stage1.append([.iifname(bridge), .oifname(bridge), .drop]) }
            stage1.append([.iifname(bridge), .oifname(bridge, negated: true), .jump(isolationStage2.name)])
            return [
                NFTChainRules(chain: isolationStage2, rules: [[.oifname(bridge), .drop]]),
                NFTChainRules(chain: isolation, rules: stage1),
            ]
        }
    }

    /// Whether a foreign table of `family` takes rules for addresses of `address`'s family.
    static func accepts(_ family: NFTFamily, _ address: NFTPrefix) -> Bool {
        switch family {
        case .inet: return true
        case .ip: return address.family == .ipv4
        case .ip6: return address.family == .ipv6
        default: return false
        }
    }
}
