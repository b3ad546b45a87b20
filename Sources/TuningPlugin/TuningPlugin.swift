import CNISpec
import PluginRuntime

/// The `tuning` meta plugin: chained after an interface plugin, it sets sysctls in the
/// container's namespace and the MAC, MTU, promiscuous and all-multicast modes and transmit
/// queue length of `CNI_IFNAME`, and puts the original values back at DEL.
public struct TuningPlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI tuning plugin (swift-cni)" }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        try TuningAdd(request: request, config: TuningConfig(config: request.config, args: request.args)).run()
    }

    public func del(_ request: CNIRequest) throws {
        try TuningDel(request: request).run()
    }

    public func check(_ request: CNIRequest) throws {
        try TuningCheck(request: request, config: TuningConfig(config: request.config, args: request.args)).run()
    }

    /// Removes this network's backup records of attachments that are not listed as valid
    /// (their DEL never came; the interfaces they describe are gone with their namespaces).
    public func gc(_ request: CNIRequest) throws {
        guard let valid = try request.config.validAttachments() else { return }
        try TuningGC(network: request.config.name, dataDir: TuningConfig.dataDir(of: request.config), valid: valid).run()
    }

    /// Nothing to depend on: always ready.
    public func status(_ request: CNIRequest) throws {}
}
