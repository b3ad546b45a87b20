/// Everything policy decisions depend on: namespaces, pods and policies.
public struct ClusterState: Sendable, Hashable {
    public private(set) var namespaces: [String: Namespace] = [:]
    public private(set) var pods: [ObjectRef: Pod] = [:]
    public private(set) var policies: [ObjectRef: NetworkPolicy] = [:]

    public init() {}

    public init(namespaces: [Namespace], pods: [Pod], policies: [NetworkPolicy]) {
        for namespace in namespaces { upsert(namespace) }
        for pod in pods { upsert(pod) }
        for policy in policies { upsert(policy) }
    }

    public mutating func upsert(_ namespace: Namespace) { namespaces[namespace.name] = namespace }
    public mutating func upsert(_ pod: Pod) { pods[pod.ref] = pod }
    public mutating func upsert(_ policy: NetworkPolicy) { policies[policy.ref] = policy }
    public mutating func removeNamespace(_ name: String) { namespaces[name] = nil }
    public mutating func removePod(_ ref: ObjectRef) { pods[ref] = nil }
    public mutating func removePolicy(_ ref: ObjectRef) { policies[ref] = nil }

    /// Labels of a namespace; a namespace known only from its pods has just its name label.
    public func namespaceLabels(_ name: String) -> Labels {
        namespaces[name]?.labels ?? Namespace(name: name).labels
    }

    /// Policed pods (with addresses, not host-network), sorted by namespace and name.
    public var policedPods: [Pod] {
        pods.values.filter { !$0.hostNetwork && !$0.ips.isEmpty }.sorted { $0.ref < $1.ref }
    }

    /// Policies sorted by namespace and name: the order in which rules are tried.
    public var sortedPolicies: [NetworkPolicy] { policies.values.sorted { $0.ref < $1.ref } }

    /// The pod that has `ip`, if any.
    public func pod(withIP ip: IPAddress) -> Pod? {
        policedPods.first { $0.ips.contains(ip) }
    }

    /// The policies that select `pod` and apply to `direction`, in rule order.
    public func policies(selecting pod: Pod, for direction: NetworkPolicy.PolicyType) -> [NetworkPolicy] {
        Self.policies(selecting: pod, for: direction, among: sortedPolicies)
    }

    /// Same, from an already sorted list of policies (callers that ask for many pods sort once).
    public static func policies(selecting pod: Pod, for direction: NetworkPolicy.PolicyType, among sorted: [NetworkPolicy]) -> [NetworkPolicy] {
        sorted.filter {
            $0.namespace == pod.namespace && $0.applies(to: direction) && $0.podSelector.matches(pod.labels)
        }
    }

    /// Whether `peer` of a policy in `policyNamespace` chooses `pod`.
    public func peer(_ peer: PolicyPeer, in policyNamespace: String, chooses pod: Pod) -> Bool {
        switch peer {
        case .ipBlock(let block):
            return pod.ips.contains { block.contains($0) }
        case .pods(let podSelector, let namespaceSelector):
            if let namespaceSelector {
                guard namespaceSelector.matches(namespaceLabels(pod.namespace)) else { return false }
            } else if pod.namespace != policyNamespace {
                return false
            }
            return podSelector?.matches(pod.labels) ?? true
        }
    }
}
