import CNISpec

/// The `bridge` plugin: a Linux bridge on the host, one veth pair per attachment, addresses
/// from the delegated IPAM plugin, firewall rules in nftables.
public struct BridgePlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI bridge plugin (swift-cni)" }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        try BridgeAdd(request: request, config: try BridgeConfig(request: request)).run()
    }

    /// Needs no valid options (see `BridgeConfig.init(cleanupOf:)`).
    public func del(_ request: CNIRequest) throws {
        try BridgeDel(request: request, config: BridgeConfig(cleanupOf: request.config)).run()
    }

    public func check(_ request: CNIRequest) throws {
        try BridgeCheck(request: request, config: try BridgeConfig(request: request)).run()
    }

    /// STATUS of the IPAM plugin (in-process when it is our sibling host-local, see `IPAMDriver`).
    public func status(_ request: CNIRequest) throws {
        if request.config.ipamType != nil { try BridgeIPAM.status(request) }
    }

    /// IPAM GC, then removal of host veths (found by alias) and nftables rules of this network's attachments not listed.
    public func gc(_ request: CNIRequest) throws {
        let config = BridgeConfig(cleanupOf: request.config)
        if config.isLayer3 { try BridgeIPAM.gc(request) }
        if let valid = try request.config.validAttachments() {
            try StaleVeths.delete(network: config.networkName, keeping: valid)
            try AttachmentFirewall.garbageCollect(network: config.networkName, valid: valid)
        }
    }
}
