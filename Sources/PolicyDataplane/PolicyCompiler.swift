import NetworkPolicy
import SystemSupport

/// Compiles namespaces, pods and policies into a `PolicyProgram`.
///
/// Per packet, the dataplane does: conntrack (`established,related` accept), one verdict-map
/// lookup keyed by the source pod IP (egress) and one keyed by the destination pod IP
/// (ingress). Each lookup leads to the chain of the policies selecting that pod, so the cost
/// grows with the rules of the policies selecting the two pods, never with the number of
/// policies in the cluster. Peers are named sets of pod IPs (one per distinct selector);
/// named ports are sets of (pod IP, protocol, port) per port name, so a named port is
/// resolved against whichever pod receives the packet.
public struct PolicyCompiler: Sendable {
    public init() {}

    public func compile(_ state: ClusterState) -> PolicyProgram {
        compileWithDetails(state).program
    }

    /// What a compile decided on the way, for `PolicyStateCache`: per list of selecting
    /// policies (`chainKey`) the chain deciding it, and the definition of every peer set.
    public struct Details: Sendable {
        public var chainKeys: [String: String] = [:]
        /// Peer set name -> the policy namespace and the selector peers whose union it holds.
        public var peerSets: [String: (policyNamespace: String, peers: [PolicyPeer])] = [:]
    }

    /// The program and what `Details` records.
    public func compileWithDetails(_ state: ClusterState) -> (program: PolicyProgram, details: Details) {
        var program = PolicyProgram()
        var details = Details()
        var chainsByPolicies: [String: String] = [:]
        var namedPorts: Set<String> = []
        let pods = state.policedPods
        let index = ClusterIndex(pods: pods, policies: state.sortedPolicies)
        let families = Set(pods.flatMap { $0.ips.map(\.family) })

        for pod in pods {
            for direction in NetworkPolicy.PolicyType.allCases {
                let policies = ClusterState.policies(selecting: pod, for: direction, among: index.policies(in: pod.namespace))
                guard !policies.isEmpty else { continue }
                let key = Self.chainKey(direction, policies.map(\.ref))
                let chainName: String
                if let known = chainsByPolicies[key] {
                    chainName = known
                } else {
                    let chain = makeChain(
                        direction, policies, state: state, cluster: index, families: families, program: &program, namedPorts: &namedPorts,
                        details: &details)
                    program.chains[chain.name] = chain
                    chainsByPolicies[key] = chain.name
                    chainName = chain.name
                }
                for ip in pod.ips {
                    if direction == .ingress { program.ingressDispatch[ip] = chainName } else { program.egressDispatch[ip] = chainName }
                }
            }
        }
        for name in namedPorts {
            var elements: Set<NamedPortElement> = []
            for pod in pods {
                for port in pod.ports where port.name == name {
                    for ip in pod.ips { elements.insert(NamedPortElement(ip: ip, proto: port.proto, port: port.port)) }
                }
            }
            program.namedPortSets[Self.namedPortSetName(name)] = elements
        }
        details.chainKeys = chainsByPolicies
        return (program, details)
    }

    /// Identifies the chain of the pods selected, for `direction`, by exactly `policies` (in rule order).
    public static func chainKey(_ direction: NetworkPolicy.PolicyType, _ policies: [ObjectRef]) -> String {
        "\(direction.rawValue) " + policies.map(\.description).joined(separator: " ")
    }

    private func makeChain(
        _ direction: NetworkPolicy.PolicyType, _ policies: [NetworkPolicy], state: ClusterState, cluster: ClusterIndex,
        families: Set<IPAddress.Family>, program: inout PolicyProgram, namedPorts: inout Set<String>, details: inout Details
    ) -> PolicyChain {
        var rules: [CompiledRule] = []
        for policy in policies {
            for (index, rule) in policy.rules(direction).enumerated() {
                let ref = PolicyRuleRef(policy: policy.ref, direction: direction, ruleIndex: index)
                var peers: [CompiledRule.Peer] = []
                if rule.peers.isEmpty { peers = [.any] }
                // All selector peers of a rule are one set (their union): one rule, one lookup.
                let selectorPeers = rule.peers.filter { if case .pods = $0 { return true } else { return false } }
                if !selectorPeers.isEmpty {
                    let name = Self.peerSetName(selectorPeers, policyNamespace: policy.namespace)
                    if program.addressSets[name] == nil {
                        var ips: Set<IPAddress> = []
                        let candidates = cluster.candidates(for: selectorPeers, policyNamespace: policy.namespace, state: state)
                        for pod in candidates where selectorPeers.contains(where: { state.peer($0, in: policy.namespace, chooses: pod) }) {
                            ips.formUnion(pod.ips)
                        }
                        program.addressSets[name] = ips
                        details.peerSets[name] = (policy.namespace, selectorPeers)
                    }
                    peers.append(.podSet(name))
                }
                for case .ipBlock(let block) in rule.peers { peers.append(.block(block)) }
                var ports: [CompiledRule.Port] = []
                if rule.ports.isEmpty { ports = [.any] }
                // Numeric ports of one protocol share one rule (`th dport { 80, 8000-8080 }`);
                // a protocol listed without a port makes its numeric ports redundant.
                let wholeProtocols = Set(rule.ports.filter { $0.port == nil }.map(\.proto))
                var numeric: [TransportProtocol: [ClosedRange<Int>]] = [:]
                var numericOrder: [TransportProtocol] = []
                for port in rule.ports {
                    switch port.port {
                    case nil:
                        if !ports.contains(.proto(port.proto)) { ports.append(.proto(port.proto)) }
                    case .number(let number):
                        guard !wholeProtocols.contains(port.proto) else { continue }
                        if numeric[port.proto] == nil { numericOrder.append(port.proto) }
                        numeric[port.proto, default: []].append(number...(port.endPort ?? number))
                    case .named(let name):
                        namedPorts.insert(name)
                        ports.append(.named(port.proto, set: Self.namedPortSetName(name), name: name))
                    }
                }
                for proto in numericOrder { ports.append(.ranges(proto, Self.merged(numeric[proto]!))) }
                for peer in peers {
                    for port in ports { rules.append(CompiledRule(ref: ref, peer: peer, port: port)) }
                }
            }
        }
        let refs = policies.map(\.ref)
        let familyText = families.contains(.ipv4) ? (families.contains(.ipv6) ? "dual" : "ipv4") : (families.contains(.ipv6) ? "ipv6" : "none")
        let identity = "\(direction.rawValue)|\(familyText)|" + refs.map(\.description).joined(separator: ",") + "|"
            + rules.map(\.description).joined(separator: ";")
        let prefix = direction == .ingress ? "in_" : "eg_"
        return PolicyChain(name: prefix + StableHash.hex(identity), direction: direction, policies: refs, rules: rules, families: families)
    }

    /// The set of pods one peer chooses: a podSelector alone is scoped to the policy's namespace,
    /// so the namespace is part of the identity only then.
    public static func peerSetName(podSelector: LabelSelector?, namespaceSelector: LabelSelector?, policyNamespace: String) -> String {
        peerSetName([.pods(podSelector: podSelector, namespaceSelector: namespaceSelector)], policyNamespace: policyNamespace)
    }

    /// The set of the union of several selector peers (named by their sorted descriptions).
    public static func peerSetName(_ peers: [PolicyPeer], policyNamespace: String) -> String {
        var keys: [String] = []
        for case .pods(let podSelector, let namespaceSelector) in peers {
            let scope = namespaceSelector.map { "ns[\($0)]" } ?? "in[\(policyNamespace)]"
            let pods = podSelector.map { "pods[\($0)]" } ?? "pods[*]"
            keys.append(scope + " " + pods)
        }
        return "peer_" + StableHash.hex(Array(Set(keys)).sorted().joined(separator: " | "))
    }

    /// Sorted ranges with overlapping and adjacent ones joined (an interval set rejects overlaps).
    static func merged(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    public static func namedPortSetName(_ name: String) -> String {
        "port_" + StableHash.hex(name)
    }
}

