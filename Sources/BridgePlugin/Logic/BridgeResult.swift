import CNISpec

/// Builds the ADD result: interfaces `[bridge, hostVeth, containerVeth]`, the addresses
/// (all on interface 2), routes, and DNS (the configuration's when it sets any field,
/// else IPAM's).
public enum BridgeResult {
    public static func assemble(
        bridge: CNIResult.Interface, hostVeth: CNIResult.Interface, container: CNIResult.Interface,
        plan: GatewayPlan?, ipamDNS: CNIResult.DNS?, config: BridgeConfig
    ) -> CNIResult {
        var result = CNIResult(interfaces: [bridge, hostVeth, container])
        if let plan {
            result.ips = plan.ips
            result.routes = plan.routes
        }
        if let dns = config.dns {
            result.dns = dns
        } else if let ipamDNS {
            result.dns = ipamDNS
        }
        return result
    }
}
