/// One rule of one policy: `ns/name ingress[0]`.
public struct PolicyRuleRef: Sendable, Hashable, CustomStringConvertible {
    public let policy: ObjectRef
    public let direction: NetworkPolicy.PolicyType
    public let ruleIndex: Int

    public init(policy: ObjectRef, direction: NetworkPolicy.PolicyType, ruleIndex: Int) {
        self.policy = policy
        self.direction = direction
        self.ruleIndex = ruleIndex
    }

    public var description: String { "\(policy) \(direction == .ingress ? "ingress" : "egress")[\(ruleIndex)]" }
}

/// What one direction (the sender's egress or the receiver's ingress) says about a packet.
public enum DirectionVerdict: Sendable, Hashable, CustomStringConvertible {
    /// The endpoint is not a policed pod, or no policy selects it for this direction.
    case notIsolated
    /// Allowed by the first matching rule (policies in namespace/name order, rules in order).
    case allowed(by: PolicyRuleRef)
    /// The endpoint is isolated by these policies and none of their rules matches.
    case denied(isolatedBy: [ObjectRef])

    public var allows: Bool {
        if case .denied = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .notIsolated: return "not isolated"
        case .allowed(let rule): return "allowed by \(rule)"
        case .denied(let policies): return "denied (isolated by \(policies.map(\.description).joined(separator: ", ")); no rule matches)"
        }
    }
}

/// The decision for a new connection: both the sender's egress and the receiver's ingress must
/// allow it. Replies of allowed connections always pass.
public struct PolicyVerdict: Sendable, Hashable, CustomStringConvertible {
    public let egress: DirectionVerdict
    public let ingress: DirectionVerdict

    public init(egress: DirectionVerdict, ingress: DirectionVerdict) {
        self.egress = egress
        self.ingress = ingress
    }

    public var allowed: Bool { egress.allows && ingress.allows }

    public var description: String {
        "\(allowed ? "ALLOW" : "DROP"): egress \(egress); ingress \(ingress)"
    }
}

/// A new connection: from an address to an address, on a protocol and destination port.
public struct Connection: Sendable, Hashable, CustomStringConvertible {
    public let source: IPAddress
    public let destination: IPAddress
    public let proto: TransportProtocol
    public let port: Int

    public init(from source: IPAddress, to destination: IPAddress, proto: TransportProtocol, port: Int) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.port = port
    }

    public var description: String { "\(source) -> \(destination) \(proto.rawValue)/\(port)" }
}
