import CNISpec
import HostLocalIPAM
import PluginRuntime

/// The host-local IPAM plugin: addresses from configured ranges, reservations on local
/// disk in the reference's format (see `ReservationStore`).
public struct HostLocalPlugin: CNIPlugin, Sendable {
    public init() {}

    public var about: String { "swift-cni host-local IPAM plugin" }

    /// host-local keeps records only; like the reference's it never opens `CNI_NETNS`.
    public var entersNetNS: Bool { false }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        let config = try HostLocalConfig(netConf: request.config, cniArgs: request.args)
        var dns = CNIResult.DNS()
        if let path = config.resolvConf { dns = try ResolvConf.load(path) }
        let manager = try AddressManager(config: config)
        let allocations = try manager.allocate(attachment(request))
        return CNIResult(
            ips: allocations.map { .init(address: $0.cidr, gateway: $0.gateway.description) },
            routes: config.routes, dns: dns)
    }

    /// DEL needs only the store's location: it releases by attachment, whatever the ranges.
    public func del(_ request: CNIRequest) throws {
        let config = try HostLocalConfig.storeLocation(netConf: request.config)
        try AddressManager(config: config).release(attachment(request))
    }

    public func check(_ request: CNIRequest) throws {
        let config = try HostLocalConfig(netConf: request.config, cniArgs: CNIArgs())
        guard let previous = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "Required prevResult missing", details: "CHECK needs the ADD result as prevResult")
        }
        let expected = previous.ips.compactMap { ip -> IPAddress? in
            let text = ip.address.split(separator: "/").first.map(String.init) ?? ip.address
            return IPAddress(text)
        }
        try AddressManager(config: config).check(attachment(request), expected: expected)
    }

    /// GC releases by owner, whatever the ranges; it needs only the store's location.
    public func gc(_ request: CNIRequest) throws {
        let config = try HostLocalConfig.storeLocation(netConf: request.config)
        guard let valid = try request.config.validAttachments() else {
            throw CNIError(
                .invalidNetworkConfig, "GC request without cni.dev/valid-attachments",
                details: "host-local releases nothing unless the runtime lists the valid attachments")
        }
        try AddressManager(config: config).collectGarbage(valid: valid)
    }

    public func status(_ request: CNIRequest) throws {
        let config = try HostLocalConfig(netConf: request.config, cniArgs: CNIArgs())
        let manager: AddressManager
        do {
            manager = try AddressManager(config: config)
        } catch {
            throw CNIError(.pluginNotAvailable, "host-local cannot use its data directory", details: "\(error.msg): \(error.details)")
        }
        try manager.status()
    }

    private func attachment(_ request: CNIRequest) -> CNIAttachment {
        CNIAttachment(containerID: request.containerID, ifname: request.ifName)
    }
}
