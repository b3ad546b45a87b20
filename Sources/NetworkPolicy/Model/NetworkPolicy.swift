/// A networking.k8s.io/v1 NetworkPolicy.
public struct NetworkPolicy: Sendable, Hashable {
    public enum PolicyType: String, Sendable, Hashable, CaseIterable {
        case ingress = "Ingress", egress = "Egress"
    }

    public let ref: ObjectRef
    /// Selects the pods of `ref.namespace` the policy applies to (empty: all of them).
    public var podSelector: LabelSelector
    public var ingress: [PolicyRule]
    public var egress: [PolicyRule]
    /// `spec.policyTypes` as written; `nil` when absent.
    public var declaredPolicyTypes: [PolicyType]?

    public init(
        namespace: String, name: String, podSelector: LabelSelector = .everything,
        ingress: [PolicyRule] = [], egress: [PolicyRule] = [], policyTypes: [PolicyType]? = nil
    ) {
        self.ref = ObjectRef(namespace: namespace, name: name)
        self.podSelector = podSelector
        self.ingress = ingress
        self.egress = egress
        self.declaredPolicyTypes = policyTypes
    }

    public var namespace: String { ref.namespace }
    public var name: String { ref.name }

    /// The policy types in force: as declared, or, when absent, Ingress always and Egress iff
    /// the policy has egress rules.
    public var policyTypes: Set<PolicyType> {
        if let declaredPolicyTypes { return Set(declaredPolicyTypes) }
        return egress.isEmpty ? [.ingress] : [.ingress, .egress]
    }

    public func applies(to direction: PolicyType) -> Bool { policyTypes.contains(direction) }

    /// The rules of one direction (rules of a direction the policy does not apply to are ignored).
    public func rules(_ direction: PolicyType) -> [PolicyRule] {
        guard applies(to: direction) else { return [] }
        return direction == .ingress ? ingress : egress
    }
}

/// One ingress (`from`) or egress (`to`) rule: traffic matches when it matches one peer (or
/// the peer list is empty) and one port (or the port list is empty).
public struct PolicyRule: Sendable, Hashable {
    public var peers: [PolicyPeer]
    public var ports: [PolicyPort]

    public init(peers: [PolicyPeer] = [], ports: [PolicyPort] = []) {
        self.peers = peers
        self.ports = ports
    }
}

/// A peer: pods chosen by selectors, or an address block.
public enum PolicyPeer: Sendable, Hashable {
    /// `podSelector` and/or `namespaceSelector`. With only `podSelector` the pods are in the
    /// policy's namespace; with only `namespaceSelector`, all pods of the chosen namespaces;
    /// with both, the chosen pods of the chosen namespaces.
    case pods(podSelector: LabelSelector?, namespaceSelector: LabelSelector?)
    case ipBlock(IPBlock)
}

/// `ipBlock`: a CIDR minus the `except` CIDRs.
public struct IPBlock: Sendable, Hashable {
    public let cidr: CIDR
    public let except: [CIDR]

    public init(cidr: CIDR, except: [CIDR] = []) {
        self.cidr = cidr
        self.except = except
    }

    public func contains(_ ip: IPAddress) -> Bool {
        cidr.contains(ip) && !except.contains { $0.contains(ip) }
    }
}

/// A port of a rule: a protocol (TCP by default) and, optionally, a port number, a range
/// (`port`..`endPort`) or a named port resolved against the destination pod's container ports.
public struct PolicyPort: Sendable, Hashable {
    public enum Port: Sendable, Hashable {
        case number(Int)
        case named(String)
    }

    public let proto: TransportProtocol
    public let port: Port?
    public let endPort: Int?

    public init(proto: TransportProtocol = .tcp, port: Port? = nil, endPort: Int? = nil) {
        self.proto = proto
        self.port = port
        self.endPort = endPort
    }
}
