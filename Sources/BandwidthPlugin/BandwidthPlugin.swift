import CNISpec
import PluginRuntime

/// The `bandwidth` meta plugin: chained after a veth-based plugin, it limits the rate of the
/// attachment's traffic with token buckets on the host end of the veth (to the container)
/// and on an IFB device its ingress is redirected to (from the container).
public struct BandwidthPlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI bandwidth plugin (swift-cni)" }

    /// The chaining versions (0.3.0 and later), as the reference.
    public var supportedVersions: [CNIVersion] { CNIVersion.all.filter { $0 >= .v0_3_0 } }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        try BandwidthAdd(request: request, config: BandwidthConfig(config: request.config)).run()
    }

    /// Needs no valid limits: whatever the configuration says now, the attachment's IFB goes.
    public func del(_ request: CNIRequest) throws {
        try BandwidthDel(request: request).run()
    }

    public func check(_ request: CNIRequest) throws {
        try BandwidthCheck(request: request, config: BandwidthConfig(config: request.config)).run()
    }

    public func gc(_ request: CNIRequest) throws {
        guard let valid = try request.config.validAttachments() else { return }
        try BandwidthGC(network: request.config.name, valid: valid).run()
    }

    /// Nothing to depend on: always ready.
    public func status(_ request: CNIRequest) throws {}
}
