import CNISpec
import NFTables
import PluginRuntime

/// The `firewall` meta plugin: per-container forward accepts (also inside a foreign
/// forward chain whose policy drops, such as Docker's iptables-nft `FORWARD`), Docker-style
/// ingress isolation, and an admin chain it never edits. Chained after bridge (or another
/// interface plugin); nftables only.
public struct FirewallPlugin: CNIPlugin {
    public init() {}

    public var about: String { "swift-cni firewall: forward accepts and ingress isolation with nftables (chained)" }

    /// CHECK exists from 0.4.0 on; the reference serves 0.4.0 and later only.
    public var supportedVersions: [CNIVersion] { [.v0_4_0, .v1_0_0, .v1_1_0] }

    func attachment(_ request: CNIRequest) -> NFTAttachment {
        NFTAttachment(network: request.config.name, containerID: request.containerID, ifname: request.ifName)
    }

    struct Plan {
        var addresses: [NFTPrefix]
        var isolation: [NFTChainRules]
    }

    func plan(_ config: FirewallConfig, _ previous: CNIResult) throws(CNIError) -> Plan {
        var addresses: [NFTPrefix] = []
        for ip in previous.ips {
            if let index = ip.interface, index >= 0, index < previous.interfaces.count,
                (previous.interfaces[index].sandbox ?? "").isEmpty
            {
                continue  // an address of a host-side interface
            }
            do {
                let prefix = try NFTPrefix(ip.address)
                if !addresses.contains(prefix.host) { addresses.append(prefix.host) }
            } catch {
                throw CNIError(.invalidNetworkConfig, "invalid address in prevResult: \"\(ip.address)\"", details: error.description)
            }
        }
        var isolation: [NFTChainRules] = []
        if config.ingressPolicy != .open {
            guard let bridge = previous.interfaces.first?.name, !bridge.isEmpty, (previous.interfaces.first?.sandbox ?? "").isEmpty else {
                throw CNIError(
                    .invalidNetworkConfig, "ingressPolicy \"\(config.ingressPolicy.rawValue)\" needs a bridge",
                    details: "the first interface of prevResult must be the host bridge: chain firewall after bridge")
            }
            isolation = FirewallRules.isolationRules(config.ingressPolicy, bridge: bridge)
        }
        return Plan(addresses: addresses, isolation: isolation)
    }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        let config = try FirewallConfig(request.config)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(
                .invalidNetworkConfig, "firewall must be called as a chained plugin",
                details: "the configuration has no prevResult to take the container's addresses from")
        }
        let plan = try plan(config, previous)
        try FirewallTables().ensure(
            attachment(request), addresses: plan.addresses, isolation: plan.isolation, adminChain: config.adminChain)
        return previous
    }

    /// Removes the attachment's rules, found by tag: no prevResult needed (the reference
    /// derives them from prevResult and leaks them without it). Idempotent.
    public func del(_ request: CNIRequest) throws {
        _ = try FirewallConfig(request.config)
        let owner = attachment(request)
        let key = owner.key
        try FirewallTables().remove(
            operation: "remove the firewall rules of \(owner)", { $0.attachmentKey == key },
            members: { $0.attachmentKey == key })
    }

    public func check(_ request: CNIRequest) throws {
        let config = try FirewallConfig(request.config)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "firewall CHECK needs prevResult", details: "the configuration has no prevResult")
        }
        let plan = try plan(config, previous)
        let missing = try FirewallTables().missing(
            attachment(request), addresses: plan.addresses, isolation: plan.isolation, adminChain: config.adminChain)
        if !missing.isEmpty {
            throw CNIError(
                FirewallError.rulesMissing, "firewall: rules are missing or changed", details: missing.joined(separator: ", "))
        }
    }

    /// Removes the rules of this network's attachments not in `cni.dev/valid-attachments`.
    public func gc(_ request: CNIRequest) throws {
        guard let valid = try request.config.validAttachments() else { return }
        let network = request.config.name
        let networkKey = NFTAttachment.networkKey(network)
        let keep = Set(valid.map { NFTAttachment(network: network, $0).key })
        try FirewallTables().remove(
            operation: "garbage-collect the firewall rules of network \(network)",
            { $0.networkKey == networkKey && !keep.contains($0.attachmentKey ?? "") },
            members: { $0.networkKey == networkKey && !keep.contains($0.attachmentKey) })
    }

    public func status(_ request: CNIRequest) throws {}
}
