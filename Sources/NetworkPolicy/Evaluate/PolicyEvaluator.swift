/// Answers "would this connection pass, and which policy and rule decide" directly from the
/// Kubernetes objects, with the semantics of networking.k8s.io/v1. It is the oracle the
/// compiled dataplane is checked against.
public struct PolicyEvaluator: Sendable {
    public let state: ClusterState

    public init(_ state: ClusterState) { self.state = state }

    public func evaluate(_ connection: Connection) -> PolicyVerdict {
        let sourcePod = state.pod(withIP: connection.source)
        let destinationPod = state.pod(withIP: connection.destination)
        let egress = sourcePod.map {
            decide(for: $0, direction: .egress, peerIP: connection.destination, peerPod: destinationPod,
                   destinationPod: destinationPod, connection)
        } ?? .notIsolated
        let ingress = destinationPod.map {
            decide(for: $0, direction: .ingress, peerIP: connection.source, peerPod: sourcePod,
                   destinationPod: $0, connection)
        } ?? .notIsolated
        return PolicyVerdict(egress: egress, ingress: ingress)
    }

    private func decide(
        for pod: Pod, direction: NetworkPolicy.PolicyType, peerIP: IPAddress, peerPod: Pod?,
        destinationPod: Pod?, _ connection: Connection
    ) -> DirectionVerdict {
        let policies = state.policies(selecting: pod, for: direction)
        if policies.isEmpty { return .notIsolated }
        for policy in policies {
            for (index, rule) in policy.rules(direction).enumerated()
            where ruleMatches(rule, policy: policy, peerIP: peerIP, peerPod: peerPod, destinationPod: destinationPod, connection) {
                return .allowed(by: PolicyRuleRef(policy: policy.ref, direction: direction, ruleIndex: index))
            }
        }
        return .denied(isolatedBy: policies.map(\.ref))
    }

    private func ruleMatches(
        _ rule: PolicyRule, policy: NetworkPolicy, peerIP: IPAddress, peerPod: Pod?, destinationPod: Pod?,
        _ connection: Connection
    ) -> Bool {
        let peerMatches = rule.peers.isEmpty || rule.peers.contains { peer in
            switch peer {
            case .ipBlock(let block): return block.contains(peerIP)
            case .pods:
                guard let peerPod else { return false }
                return state.peer(peer, in: policy.namespace, chooses: peerPod)
            }
        }
        guard peerMatches else { return false }
        return rule.ports.isEmpty || rule.ports.contains { portMatches($0, destinationPod: destinationPod, connection) }
    }

    private func portMatches(_ port: PolicyPort, destinationPod: Pod?, _ connection: Connection) -> Bool {
        guard port.proto == connection.proto else { return false }
        switch port.port {
        case nil: return true
        case .number(let number): return (number...(port.endPort ?? number)).contains(connection.port)
        case .named(let name):
            // A named port is resolved against the destination pod's container ports.
            return destinationPod?.namedPort(name, proto: port.proto) == connection.port
        }
    }
}
