import CNISpec

/// What `isGateway` / `isDefaultGateway` make of an IPAM result (the reference's
/// `calcGateways`): per address the gateway (IPAM's, else the subnet's first address), the
/// default routes to add, and the gateway addresses the bridge must carry.
public struct GatewayPlan: Sendable, Equatable {
    /// The IPAM addresses with `gateway` filled in (when `isGateway`) and `interface = 2`.
    public var ips: [CNIResult.IPConfig]
    /// IPAM's routes plus one default route per family when `isDefaultGateway` asks for it.
    public var routes: [CNIResult.Route]
    /// Gateway addresses (with the container address's prefix length) for the bridge.
    public var bridgeAddresses: [IPPrefix]

    /// The index of the container interface in `[bridge, hostVeth, containerVeth]`.
    public static let containerInterfaceIndex = 2

    public static func compute(ipam: CNIResult, config: BridgeConfig) throws(CNIError) -> GatewayPlan {
        var plan = GatewayPlan(ips: [], routes: ipam.routes, bridgeAddresses: [])
        var defaultRouteFound: [Bool: Bool] = [:]  // keyed by isIPv4
        for var ipc in ipam.ips {
            guard let address = IPPrefix(ipc.address) else {
                throw CNIError(
                    .decodingFailure, "IPAM returned an invalid address \"\(ipc.address)\"",
                    details: "expected address/prefix, e.g. 10.22.0.5/16")
            }
            ipc.interface = containerInterfaceIndex
            var gateway: [UInt8]? = nil
            if let text = ipc.gateway {
                guard let parsed = IPText.parse(text), parsed.count == address.bytes.count else {
                    throw CNIError(
                        .decodingFailure, "IPAM returned an invalid gateway \"\(text)\"",
                        details: "for address \(ipc.address)")
                }
                gateway = parsed
            } else if config.isGateway {
                gateway = IPPrefix.next(address.networkBytes)
                ipc.gateway = IPText.format(gateway!)
            }
            if config.isDefaultGateway && defaultRouteFound[address.isIPv4] != true {
                let found = plan.routes.contains { route in
                    guard route.gw != nil, let dst = IPPrefix(route.dst) else { return false }
                    return dst.prefixLength == 0 && dst.isIPv4 == address.isIPv4 && dst.networkBytes.allSatisfy { $0 == 0 }
                }
                if !found {
                    plan.routes.append(
                        CNIResult.Route(dst: address.isIPv4 ? "0.0.0.0/0" : "::/0", gw: ipc.gateway))
                }
                defaultRouteFound[address.isIPv4] = true
            }
            if config.isGateway, let gateway {
                if gateway == address.bytes {
                    throw CNIError(
                        .invalidNetworkConfig, "gateway \(IPText.format(gateway)) equals the container address",
                        details: "IPAM handed out the gateway address \(ipc.address); exclude it from the range")
                }
                let onBridge = address.withAddress(gateway)!
                if !plan.bridgeAddresses.contains(onBridge) { plan.bridgeAddresses.append(onBridge) }
            }
            plan.ips.append(ipc)
        }
        return plan
    }

    public var bridgeAddressesV4: [IPPrefix] { bridgeAddresses.filter(\.isIPv4) }
    public var bridgeAddressesV6: [IPPrefix] { bridgeAddresses.filter { !$0.isIPv4 } }
}
