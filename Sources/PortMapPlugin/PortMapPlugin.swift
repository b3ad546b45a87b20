import CNISpec
import NFTables
import PluginRuntime

/// The `portmap` meta plugin: host ports forwarded to a container (DNAT) in nftables
/// (`inet swcni_portmap`), chained after a plugin that created the container's interface.
public struct PortMapPlugin: CNIPlugin {
    public init() {}

    public var about: String { "swift-cni portmap: host port forwarding with nftables (chained)" }

    func attachment(_ request: CNIRequest) -> NFTAttachment {
        NFTAttachment(network: request.config.name, containerID: request.containerID, ifname: request.ifName)
    }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        let config = try PortMapConfig(request.config)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(
                .invalidNetworkConfig, "portmap must be called as a chained plugin",
                details: "the configuration has no prevResult to take the container's addresses from")
        }
        guard !config.mappings.isEmpty else { return previous }
        let containers = try ContainerAddresses.from(previous)
        let rules = PortMapRules.rules(config: config, containers: containers)
        let table = try PortMapTable()
        let owner = attachment(request)
        if rules.isEmpty {
            // Nothing maps to the container's families; drop rules of an earlier ADD.
            try table.remove(owner)
            return previous
        }
        try table.ensure(owner, rules: rules)
        do {
            if config.snat, !config.masqAll,
                let v4 = containers.first(where: { $0.family == .ipv4 }), config.mappings.contains(where: { $0.applies(to: .ipv4) })
            {
                try KernelSettings.enableRouteLocalnet(toward: v4)
            }
            try KernelSettings.deleteStaleUDPFlows(config.mappings, families: containers.map(\.family))
        } catch {
            try? table.remove(owner)  // a failed ADD leaves nothing behind
            throw error
        }
        return previous
    }

    /// Removes the attachment's rules, found by tag: no `prevResult` needed. Idempotent.
    public func del(_ request: CNIRequest) throws {
        try PortMapTable().remove(attachment(request))
    }

    public func check(_ request: CNIRequest) throws {
        let config = try PortMapConfig(request.config)
        guard let previous = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "portmap CHECK needs prevResult", details: "the configuration has no prevResult")
        }
        guard !config.mappings.isEmpty else { return }
        let rules = PortMapRules.rules(config: config, containers: try ContainerAddresses.from(previous))
        guard !rules.isEmpty else { return }
        let missing = try PortMapTable().missing(attachment(request), rules: rules)
        if !missing.isEmpty {
            throw CNIError(
                PortMapError.rulesMissing, "portmap: rules of the port mappings are missing or changed",
                details: "in table \(PortMapRules.table): \(missing.joined(separator: ", "))")
        }
    }

    /// Removes the rules of this network's attachments that are not in
    /// `cni.dev/valid-attachments`; without that key, nothing.
    public func gc(_ request: CNIRequest) throws {
        guard let valid = try request.config.validAttachments() else { return }
        let network = request.config.name
        try PortMapTable().garbageCollect(
            network: network, keeping: valid.map { NFTAttachment(network: network, $0) })
    }

    public func status(_ request: CNIRequest) throws {}
}
