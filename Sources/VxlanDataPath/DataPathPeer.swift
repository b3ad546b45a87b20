import Netlink

/// The underlay as the data path sees it: the device the program also sits on (IPv4
/// underlay), and the node's address on it (the outer source of encapsulated packets).
public struct DataPathUnderlay: Sendable {
    public var index: Int32
    public var name: String
    public var local: InetAddress

    public init(index: Int32, name: String, local: InetAddress) {
        self.index = index
        self.name = name
        self.local = local
    }
}

/// A peer pod CIDR the program encapsulates to: the peer's underlay address and VTEP MAC.
public struct DataPathPeer: Sendable, Hashable {
    public var podCIDR: InetPrefix
    public var underlayIP: InetAddress
    public var vtepMAC: MACAddress

    public init(podCIDR: InetPrefix, underlayIP: InetAddress, vtepMAC: MACAddress) {
        self.podCIDR = podCIDR
        self.underlayIP = underlayIP
        self.vtepMAC = vtepMAC
    }
}
