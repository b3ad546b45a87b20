import Netlink

/// One node of the cluster as the vxlan plugin sees it: its name, the address other nodes
/// reach it on (the underlay), the pod CIDRs routed to it, and optionally its VTEP MAC
/// (derived from VNI and underlay address when absent, see `VtepMAC`).
public struct ClusterNode: Sendable, Equatable {
    public var name: String
    public var underlayIP: InetAddress
    public var podCIDRs: [InetPrefix]
    public var vtepMAC: MACAddress?

    public init(name: String, underlayIP: InetAddress, podCIDRs: [InetPrefix], vtepMAC: MACAddress? = nil) {
        self.name = name
        self.underlayIP = underlayIP
        self.podCIDRs = podCIDRs
        self.vtepMAC = vtepMAC
    }

    /// The MAC of this node's VTEP for `vni`: the configured one, or the derived one.
    public func mac(vni: UInt32) -> MACAddress {
        vtepMAC ?? VtepMAC.derive(vni: vni, underlayIP: underlayIP)
    }
}
