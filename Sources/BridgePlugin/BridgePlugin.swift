import CNISpec

/// The `bridge` plugin: a Linux bridge on the host, one veth pair per attachment, addresses
/// from the delegated IPAM plugin.
public struct BridgePlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI bridge plugin (swift-cni)" }

    public func add(_ request: CNIRequest) throws -> CNIResult {
        let config = try BridgeConfig(request: request)
        _ = config
        throw CNIError(.internalError, "bridge ADD is not implemented yet")
    }

    public func del(_ request: CNIRequest) throws {
        _ = try BridgeConfig(request: request)
        throw CNIError(.internalError, "bridge DEL is not implemented yet")
    }

    public func check(_ request: CNIRequest) throws {
        _ = try BridgeConfig(request: request)
        throw CNIError(.internalError, "bridge CHECK is not implemented yet")
    }
}
