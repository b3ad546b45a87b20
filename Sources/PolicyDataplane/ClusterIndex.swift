import NetworkPolicy

/// Policies and pods grouped by namespace, so that a compile looks only where a selector can
/// match: a pod is selected only by policies of its own namespace, and a selector peer chooses
/// only pods of the policy's namespace (no namespace selector) or of the namespaces its
/// namespace selector matches. Without it, compiling is O(pods × policies) for the chains and
/// O(peer sets × pods) for the sets, which dominates with thousands of each.
struct ClusterIndex {
    private let policiesByNamespace: [String: [NetworkPolicy]]
    private let podsByNamespace: [String: [Pod]]

    /// `policies` and `pods` in rule order (sorted by namespace and name); each group keeps it.
    init(pods: [Pod], policies: [NetworkPolicy]) {
        policiesByNamespace = Dictionary(grouping: policies, by: \.namespace)
        podsByNamespace = Dictionary(grouping: pods, by: \.namespace)
    }

    /// The policies of `namespace`, in rule order.
    func policies(in namespace: String) -> [NetworkPolicy] {
        policiesByNamespace[namespace] ?? []
    }

    /// The pods that `peers` (selector peers of a policy in `policyNamespace`) may choose, a
    /// superset of those they do choose: every pod of each namespace one of them can reach.
    /// Sorted like `ClusterState.policedPods`, each pod once.
    func candidates(for peers: [PolicyPeer], policyNamespace: String, state: ClusterState) -> [Pod] {
        var namespaces: Set<String> = []
        for case .pods(_, let namespaceSelector) in peers {
            if let namespaceSelector {
                for name in podsByNamespace.keys where namespaceSelector.matches(state.namespaceLabels(name)) {
                    namespaces.insert(name)
                }
            } else {
                namespaces.insert(policyNamespace)
            }
        }
        return namespaces.sorted().flatMap { podsByNamespace[$0] ?? [] }
    }
}
