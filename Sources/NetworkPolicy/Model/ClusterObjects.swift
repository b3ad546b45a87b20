/// A transport protocol a NetworkPolicy port can name.
public enum TransportProtocol: String, Sendable, Hashable, CaseIterable, Comparable {
    case tcp = "TCP", udp = "UDP", sctp = "SCTP"

    /// The nftables / IANA name (`tcp`, `udp`, `sctp`).
    public var nftName: String { rawValue.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A v1 Namespace: its name and labels. Kubernetes always sets
/// `kubernetes.io/metadata.name` to the name; it is added here when a manifest omits it.
public struct Namespace: Sendable, Hashable {
    public static let nameLabel = "kubernetes.io/metadata.name"

    public let name: String
    public var labels: Labels

    public init(name: String, labels: Labels = [:]) {
        self.name = name
        var labels = labels
        labels[Self.nameLabel] = name
        self.labels = labels
    }
}

/// A container port of a pod (`spec.containers[].ports[]`).
public struct ContainerPort: Sendable, Hashable {
    public let name: String?
    public let port: Int
    public let proto: TransportProtocol

    public init(name: String? = nil, port: Int, proto: TransportProtocol = .tcp) {
        self.name = name
        self.port = port
        self.proto = proto
    }
}

/// `namespace/name`.
public struct ObjectRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let namespace: String
    public let name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Parses `namespace/name`; a bare `name` is in `default`.
    public init(parsing text: String) {
        if let slash = text.firstIndex(of: "/") {
            self.init(namespace: String(text[..<slash]), name: String(text[text.index(after: slash)...]))
        } else {
            self.init(namespace: "default", name: text)
        }
    }

    public var description: String { "\(namespace)/\(name)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// A v1 Pod as policy sees it: where it is, its labels, its addresses and its named ports.
public struct Pod: Sendable, Hashable {
    public let ref: ObjectRef
    public var labels: Labels
    /// `status.podIPs` (or `status.podIP`); empty while the pod has no address.
    public var ips: [IPAddress]
    public var ports: [ContainerPort]
    /// `spec.hostNetwork` pods share the node's address and are not policed.
    public var hostNetwork: Bool

    public init(namespace: String, name: String, labels: Labels = [:], ips: [IPAddress] = [], ports: [ContainerPort] = [], hostNetwork: Bool = false) {
        self.ref = ObjectRef(namespace: namespace, name: name)
        self.labels = labels
        self.ips = ips
        self.ports = ports
        self.hostNetwork = hostNetwork
    }

    public var namespace: String { ref.namespace }
    public var name: String { ref.name }

    /// The port number of the container port named `name` for `proto`, if any.
    public func namedPort(_ name: String, proto: TransportProtocol) -> Int? {
        ports.first { $0.name == name && $0.proto == proto }?.port
    }
}
