import NFTables

/// The nftables rules the bridge plugin needs, in tables we own:
///
/// * `inet swcni_bridge`, chain `forward` (filter, hook forward, priority 0, policy accept):
///   NAT-free accepts for traffic to and from the bridge (network rules, shared by the
///   network's pods).
/// * `inet swcni_bridge`, chain `postrouting` (nat, hook postrouting, priority srcnat):
///   ipMasq, one rule per pod address: masquerade traffic from the pod that leaves the pod
///   network; never pod-to-pod, never multicast. No anonymous sets in per-pod rules (see
///   `masqueradeRules`).
/// * `bridge swcni_spoof`, chain `prerouting` (filter, hook prerouting, priority -300):
///   macspoofchk, one rule per pod: frames entering from the pod's host-side veth must carry
///   the pod's MAC.
///
/// About the forward accept: a packet traverses every base chain on a hook, in priority
/// order, and a DROP in any of them is final. An `accept` in our chain ends only our chain;
/// another table's forward chain with policy drop (firewalld, Docker's iptables-nft
/// `FORWARD DROP`, a distribution's default) still drops the packet. Our accept makes
/// forwarding work when nothing else filters; it cannot override another firewall's drop,
/// which must be configured to let the pod network through.
public struct BridgeFirewall: Sendable {
    public static let filterTableName = NFTTable(.inet, "swcni_bridge")
    public static let spoofTableName = NFTTable(.bridge, "swcni_spoof")

    public let filterTable: NFTOwnedTable
    public let spoofTable: NFTOwnedTable

    public init(
        filterTable: NFTTable = BridgeFirewall.filterTableName, spoofTable: NFTTable = BridgeFirewall.spoofTableName,
        lockPath: String? = NFTablesLock.defaultPath
    ) throws(NFTablesError) {
        self.filterTable = try NFTOwnedTable(table: filterTable, lockPath: lockPath)
        self.spoofTable = try NFTOwnedTable(table: spoofTable, lockPath: lockPath)
    }

    public var forwardChain: NFTChain {
        NFTChain(table: filterTable.table, name: "forward", base: .forwardFilter)
    }

    public var postroutingChain: NFTChain {
        NFTChain(table: filterTable.table, name: "postrouting", base: .postroutingSourceNAT)
    }

    public var spoofChain: NFTChain {
        NFTChain(
            table: spoofTable.table, name: "prerouting",
            base: NFTBaseChain(type: .filter, hook: .prerouting, priority: NFTBaseChain.bridgeDstnatPriority))
    }

    // MARK: Rule bodies (pure, unit-tested)

    /// `iifname "<bridge>" accept` and `oifname "<bridge>" accept`.
    public static func forwardAcceptRules(bridge: String) throws(NFTablesError) -> [[NFTStatement]] {
        try Self.validateInterfaceName(bridge)
        return [[.iifname(bridge), .accept], [.oifname(bridge), .accept]]
    }

    /// For each pod address:
    /// `ip saddr <pod> ip daddr != <pod network> [ip daddr != <excluded>]... ip daddr != 224.0.0.0/4 counter masquerade`.
    /// `podAddress` carries the pod network's prefix length (`10.1.0.5/24`).
    ///
    /// Chained `!=` matches rather than `!= { a, b }`: every anonymous set is a kernel set of
    /// its own, and libnftables' cache dumps the elements of every set of the ruleset with one
    /// netlink request per set on each `list`; 100 pods made every list ~100 dumps slower.
    public static func masqueradeRules(
        podAddresses: [NFTPrefix], excluding extra: [NFTPrefix] = []
    ) throws(NFTablesError) -> [[NFTStatement]] {
        guard !podAddresses.isEmpty else { throw .invalidArgument("ipMasq", "no pod addresses given") }
        var rules: [[NFTStatement]] = []
        for pod in podAddresses {
            var excluded = [pod.network]
            for prefix in extra.map(\.network) where prefix.family == pod.family && !excluded.contains(prefix) {
                excluded.append(prefix)
            }
            excluded.append(.multicast(pod.family))
            rules.append([.saddr(pod.host)] + excluded.map { .daddr($0, negated: true) } + [.counter, .masquerade])
        }
        return rules
    }

    /// `iifname "<host veth>" ether saddr != <mac> counter drop`.
    public static func macSpoofRules(hostInterface: String, mac: String) throws(NFTablesError) -> [[NFTStatement]] {
        try Self.validateInterfaceName(hostInterface)
        try Self.validateMAC(mac)
        return [[.iifname(hostInterface), .etherSaddr(mac, negated: true), .counter, .drop]]
    }

    // MARK: Operations (each one list + at most one transaction)

    /// NAT-free accept of forwarded traffic to and from `bridge`, shared by the network's pods;
    /// `attachment` keeps it alive until the network's last attachment is removed.
    @discardableResult
    public func ensureForwardAccept(
        _ session: NFTablesSession, attachment: NFTAttachment, bridge: String
    ) throws(NFTablesError) -> Bool {
        try filterTable.ensure(session, attachment: attachment, networkRules: [try forwardAccept(bridge: bridge)])
    }

    func forwardAccept(bridge: String) throws(NFTablesError) -> NFTChainRules {
        NFTChainRules(chain: forwardChain, rules: try Self.forwardAcceptRules(bridge: bridge), label: Self.bridgeLabel(bridge))
    }

    /// The label of a network's forward accepts, `br=<bridge>`: the netlink dump gives rule
    /// comments, not expressions, and this is how a DEL or GC learns which bridge a network's
    /// accepts are for without loading libnftables.
    static func bridgeLabel(_ bridge: String) -> String { "br=\(bridge)" }

    /// The bridge named in a forward accept's comment (`bridgeLabel`); nil when there is none.
    public static func bridge(inComment comment: String) -> String? {
        for token in comment.split(separator: " ") where token.hasPrefix("br=") && token.count > 3 {
            return String(token.dropFirst(3))
        }
        return nil
    }

    /// Networks whose bridge is gone: the bridge is not deleted after its last pod (as the
    /// reference does), so its network's accepts stay with it; but a runtime that deletes the
    /// bridge (`podman network rm`) and never sends GC (podman 4, containerd 1.6) would leave
    /// them forever. `bridgeExists` is asked once per network with accepts in the table.
    public func retirement(bridgeExists: @escaping @Sendable (String) -> Bool) -> NFTNetworkRetirement {
        NFTNetworkRetirement(chain: forwardChain.name) { comment in
            guard let bridge = Self.bridge(inComment: comment) else { return false }
            return !bridgeExists(bridge)
        }
    }

    /// ipMasq for one attachment.
    @discardableResult
    public func addMasquerade(
        _ session: NFTablesSession, attachment: NFTAttachment, podAddresses: [NFTPrefix], excluding: [NFTPrefix] = []
    ) throws(NFTablesError) -> Bool {
        let rules = try Self.masqueradeRules(podAddresses: podAddresses, excluding: excluding)
        return try filterTable.ensure(
            session, attachment: attachment, attachmentRules: [NFTChainRules(chain: postroutingChain, rules: rules)])
    }

    /// macspoofchk for one attachment.
    @discardableResult
    public func addMacSpoofCheck(
        _ session: NFTablesSession, attachment: NFTAttachment, hostInterface: String, mac: String
    ) throws(NFTablesError) -> Bool {
        let rules = try Self.macSpoofRules(hostInterface: hostInterface, mac: mac)
        return try spoofTable.ensure(
            session, attachment: attachment, attachmentRules: [NFTChainRules(chain: spoofChain, rules: rules)])
    }

    /// Removes everything `attachment` added (DEL), in both tables, and with `retiring` the
    /// accepts of networks whose bridge is gone. Idempotent.
    @discardableResult
    public func remove(
        _ session: NFTablesSession, attachment: NFTAttachment, retiring: NFTNetworkRetirement? = nil
    ) throws(NFTablesError) -> Bool {
        let a = try filterTable.remove(session, attachment: attachment, retiring: retiring)
        let b = try spoofTable.remove(session, attachment: attachment)
        return a || b
    }

    /// Removes rules of `network`'s attachments not in `valid` (GC), in both tables.
    @discardableResult
    public func garbageCollect(
        _ session: NFTablesSession, network: String, keeping valid: [NFTAttachment],
        retiring: NFTNetworkRetirement? = nil
    ) throws(NFTablesError) -> Bool {
        let a = try filterTable.garbageCollect(session, network: network, keeping: valid, retiring: retiring)
        let b = try spoofTable.garbageCollect(session, network: network, keeping: valid)
        return a || b
    }

    // MARK: Validation

    static func validateInterfaceName(_ name: String) throws(NFTablesError) {
        guard !name.isEmpty, name.utf8.count < 16, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw .invalidArgument("interface name \"\(name)\"", "must be 1 to 15 bytes without '/' or spaces")
        }
    }

    static func validateMAC(_ mac: String) throws(NFTablesError) {
        let parts = mac.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else {
            throw .invalidArgument("MAC address \"\(mac)\"", "expected six hex octets like 0a:58:0a:01:00:05")
        }
    }
}
