import Netlink

/// A cluster node as BGP routing sees it: the address its BIRD speaks from (the vxlan
/// plugin's underlay IP) and the pod CIDRs it announces. The vxlan plugin maps its node
/// list onto this, so this library does not depend on the plugin.
public struct BGPNode: Sendable, Equatable {
    public var name: String
    public var address: InetAddress
    public var podCIDRs: [InetPrefix]

    public init(name: String, address: InetAddress, podCIDRs: [InetPrefix]) {
        self.name = name
        self.address = address
        self.podCIDRs = podCIDRs
    }
}
