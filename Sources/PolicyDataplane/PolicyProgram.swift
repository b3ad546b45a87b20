import NetworkPolicy

/// The compiled form of a cluster's policies, independent of nftables syntax: what the
/// dataplane holds. Chains are content-addressed (a chain's name is a hash of its rules), so
/// two programs that use a chain of the same name use the same rules, and a change of pods or
/// labels is a change of set and map elements only.
public struct PolicyProgram: Sendable, Equatable {
    /// Pod IPs chosen by one peer selector (`peer_<hash>`), rendered as one set per family.
    public var addressSets: [String: Set<IPAddress>] = [:]
    /// `(pod IP, protocol, port)` of every container port with one name (`port_<name>`).
    public var namedPortSets: [String: Set<NamedPortElement>] = [:]
    /// Per-pod-combination chains, by name.
    public var chains: [String: PolicyChain] = [:]
    /// Receiving pod IP -> chain deciding its ingress (pods not here are not isolated).
    public var ingressDispatch: [IPAddress: String] = [:]
    /// Sending pod IP -> chain deciding its egress.
    public var egressDispatch: [IPAddress: String] = [:]

    public init() {}
}

/// An element of a named-port set.
public struct NamedPortElement: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let ip: IPAddress
    public let proto: TransportProtocol
    public let port: Int

    public init(ip: IPAddress, proto: TransportProtocol, port: Int) {
        self.ip = ip
        self.proto = proto
        self.port = port
    }

    public var description: String { "\(ip) . \(proto.nftName) . \(port)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.ip, lhs.proto, lhs.port) < (rhs.ip, rhs.proto, rhs.port)
    }
}

/// The rules deciding one direction for every pod selected by the same list of policies.
public struct PolicyChain: Sendable, Equatable {
    public let name: String
    public let direction: NetworkPolicy.PolicyType
    /// The policies whose rules are in the chain (the pod is isolated by them).
    public let policies: [ObjectRef]
    public let rules: [CompiledRule]
    /// Address families of pod IPs in the cluster: set and named-port matches are rendered
    /// only for these (a single-stack cluster gets no rules for the other family).
    public let families: Set<IPAddress.Family>
}

/// One (peer, port) pair of a policy rule: allows traffic that matches both.
public struct CompiledRule: Sendable, Hashable, CustomStringConvertible {
    public enum Peer: Sendable, Hashable {
        case any
        /// The peer address is in the named address set.
        case podSet(String)
        case block(IPBlock)
    }

    public enum Port: Sendable, Hashable {
        case any
        case proto(TransportProtocol)
        /// One protocol's port numbers and ranges (sorted, disjoint).
        case ranges(TransportProtocol, [ClosedRange<Int>])
        /// The destination (address, protocol, port) is in the named-port set.
        case named(TransportProtocol, set: String, name: String)
    }

    public let ref: PolicyRuleRef
    public let peer: Peer
    public let port: Port

    public var description: String {
        let peerText: String
        switch peer {
        case .any: peerText = "any"
        case .podSet(let set): peerText = "@" + set
        case .block(let block):
            peerText = "\(block.cidr)" + (block.except.isEmpty ? "" : " except " + block.except.map(\.description).joined(separator: ","))
        }
        let portText: String
        switch port {
        case .any: portText = "any"
        case .proto(let p): portText = p.nftName
        case .ranges(let p, let ranges):
            portText = "\(p.nftName)/" + ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        case .named(let p, let set, let name): portText = "\(p.nftName)/\(name)@\(set)"
        }
        return "\(ref) peer \(peerText) port \(portText)"
    }
}
