import Netlink

/// A BGP session the rendered configuration opens: BIRD's protocol name, whom it talks to,
/// and whether STATUS requires it to be Established.
public struct BirdSession: Sendable, Equatable {
    public enum Peer: Sendable, Equatable {
        case node(String)
        case routeReflector
        case external(asn: UInt32)
    }

    public var protocolName: String
    public var peer: Peer
    public var address: InetAddress
    public var required: Bool

    public init(protocolName: String, peer: Peer, address: InetAddress, required: Bool) {
        self.protocolName = protocolName
        self.peer = peer
        self.address = address
        self.required = required
    }

    /// What the session's `description` says, and `cnictl bgp status` prints.
    public var label: String {
        switch peer {
        case .node(let name): return "node \(name)"
        case .routeReflector: return "route reflector \(address)"
        case .external(let asn): return "external peer \(address) AS \(asn)"
        }
    }
}
