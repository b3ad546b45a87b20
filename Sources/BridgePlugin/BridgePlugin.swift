import CNISpec
import PluginRuntime

/// The `bridge` plugin: a Linux bridge on the host, one veth pair per attachment, addresses
/// from the delegated IPAM plugin, firewall rules in nftables.
public struct BridgePlugin: CNIPlugin {
    let ipam: BridgeIPAM

    /// `ipamRunner` runs the IPAM plugin `CNI_PATH` resolves (default: exec it).
    public init(ipamRunner: @escaping IPAMDelegate.Runner = IPAMDelegate.exec) {
        ipam = BridgeIPAM(runner: ipamRunner)
    }

    public var about: String { "CNI bridge plugin (swift-cni)" }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        try BridgeAdd(request: request, ipam: ipam, config: try BridgeConfig(request: request)).run()
    }

    /// Needs no valid options (see `BridgeConfig.init(cleanupOf:)`).
    public func del(_ request: CNIRequest) throws {
        try BridgeDel(request: request, ipam: ipam, config: BridgeConfig(cleanupOf: request.config)).run()
    }

    public func check(_ request: CNIRequest) throws {
        try BridgeCheck(request: request, ipam: ipam, config: try BridgeConfig(request: request)).run()
    }

    /// STATUS of the IPAM plugin (through the executable's IPAM runner).
    public func status(_ request: CNIRequest) throws {
        if request.config.ipamType != nil { try ipam.status(request) }
    }

    /// IPAM GC, then removal of host veths (found by alias) and nftables rules of this network's attachments not listed.
    public func gc(_ request: CNIRequest) throws {
        let config = BridgeConfig(cleanupOf: request.config)
        if config.isLayer3 { try ipam.gc(request) }
        if let valid = try request.config.validAttachments() {
            try StaleVeths.delete(network: config.networkName, keeping: valid)
            try AttachmentFirewall.garbageCollect(network: config.networkName, valid: valid)
        }
    }
}
