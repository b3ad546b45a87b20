import Netlink

/// A BGP neighbour of this node that is not a cluster node: a route reflector (iBGP, the
/// cluster's AS) or an external peer such as a top-of-rack router (its own AS).
public struct BGPPeer: Sendable, Equatable {
    public enum Kind: String, Sendable { case routeReflector, external }

    public var kind: Kind
    public var address: InetAddress
    public var asn: UInt32
    /// TCP MD5 password (RFC 2385) of the session, if any.
    public var password: String?
    /// The nodes that peer with it (empty: every node). A top-of-rack router serves the
    /// nodes of its rack; a node not listed does not open the session.
    public var nodes: [String]
    /// Whether STATUS fails while this session is not Established.
    public var required: Bool

    public init(kind: Kind, address: InetAddress, asn: UInt32, password: String? = nil, nodes: [String] = [], required: Bool = true) {
        self.kind = kind
        self.address = address
        self.asn = asn
        self.password = password
        self.nodes = nodes
        self.required = required
    }

    /// Whether `node` opens a session with this peer.
    public func serves(_ node: String) -> Bool { nodes.isEmpty || nodes.contains(node) }
}
