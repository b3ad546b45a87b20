import NetworkPolicy

/// What a pod-only change needs to know about the compiled program, without the policies'
/// rules: the namespaces and their labels, every policy's namespace, pod selector and
/// directions (in rule order), every peer set's selectors, the named ports in use, the
/// address families of the chains, and which chain decides each list of selecting policies
/// (with how many pods use it). Selectors are stored once each.
///
/// Built from a full compile (`init(state:program:chainKeys:layout:)`); `PolicyDelta` uses it
/// to turn pod additions, removals and relabels into set and map element changes.
public struct PolicyStateCache: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        public let namespace: String
        /// Index into `selectors`.
        public let podSelector: Int
        public let ingress: Bool
        public let egress: Bool

        func applies(to direction: NetworkPolicy.PolicyType) -> Bool { direction == .ingress ? ingress : egress }
    }

    /// One `podSelector`/`namespaceSelector` peer (indices into `selectors`; nil: absent).
    public struct SelectorPeer: Sendable, Equatable {
        public let podSelector: Int?
        public let namespaceSelector: Int?
    }

    /// A `peer_<hash>` set: the union of its peers, for a policy in `policyNamespace`.
    public struct PeerSet: Sendable, Equatable {
        public let name: String
        public let policyNamespace: String
        public let peers: [SelectorPeer]
    }

    /// A chain and the number of policed pods it decides (for one direction).
    public struct Chain: Sendable, Equatable {
        public let name: String
        public var pods: Int
    }

    /// `PolicySync.layoutMarker` of the layout the program was written with.
    public var layoutMarker: String
    public var namespaces: [String: Labels]
    public var selectors: [LabelSelector]
    /// In rule order (namespace, name).
    public var policies: [Policy]
    public var peerSets: [PeerSet]
    /// Port names with a `port_<hash>` set.
    public var namedPorts: [String]
    /// Address families of the cluster's policed pods (the chains are rendered for these).
    public var families: Set<IPAddress.Family>
    /// `PolicyStateCache.chainKey` (direction and policy indices) -> chain.
    public var chains: [String: Chain]

    public init(
        layoutMarker: String, namespaces: [String: Labels], selectors: [LabelSelector], policies: [Policy],
        peerSets: [PeerSet], namedPorts: [String], families: Set<IPAddress.Family>, chains: [String: Chain]
    ) {
        self.layoutMarker = layoutMarker
        self.namespaces = namespaces
        self.selectors = selectors
        self.policies = policies
        self.peerSets = peerSets
        self.namedPorts = namedPorts
        self.families = families
        self.chains = chains
    }

    /// The cache of a full compile of `state` (`PolicyCompiler.compileWithChainKeys`).
    public init(state: ClusterState, program: PolicyProgram, chainKeys: [String: String], layout: PolicyTableLayout) {
        var selectorIndex: [LabelSelector: Int] = [:]
        var selectors: [LabelSelector] = []
        func index(_ selector: LabelSelector) -> Int {
            if let known = selectorIndex[selector] { return known }
            selectors.append(selector)
            selectorIndex[selector] = selectors.count - 1
            return selectors.count - 1
        }
        let sorted = state.sortedPolicies
        let policies = sorted.map {
            Policy(namespace: $0.namespace, podSelector: index($0.podSelector), ingress: $0.applies(to: .ingress), egress: $0.applies(to: .egress))
        }
        // Peer sets, by the name the compiler gave them (the same peers always give the same name).
        var peerSets: [String: PeerSet] = [:]
        var namedPorts: Set<String> = []
        for policy in sorted {
            for direction in NetworkPolicy.PolicyType.allCases {
                for rule in policy.rules(direction) {
                    for port in rule.ports { if case .named(let name)? = port.port { namedPorts.insert(name) } }
                    var selectorPeers: [PolicyPeer] = []
                    var peers: [SelectorPeer] = []
                    for case .pods(let podSelector, let namespaceSelector) in rule.peers {
                        selectorPeers.append(.pods(podSelector: podSelector, namespaceSelector: namespaceSelector))
                        peers.append(SelectorPeer(podSelector: podSelector.map(index), namespaceSelector: namespaceSelector.map(index)))
                    }
                    guard !peers.isEmpty else { continue }
                    let name = PolicyCompiler.peerSetName(selectorPeers, policyNamespace: policy.namespace)
                    if program.addressSets[name] != nil, peerSets[name] == nil {
                        peerSets[name] = PeerSet(name: name, policyNamespace: policy.namespace, peers: peers)
                    }
                }
            }
        }
        self.init(
            layoutMarker: PolicySync(layout: layout).layoutMarker.name,
            namespaces: state.namespaces.mapValues(\.labels), selectors: selectors, policies: policies,
            peerSets: peerSets.keys.sorted().map { peerSets[$0]! },
            namedPorts: namedPorts.filter { program.namedPortSets[PolicyCompiler.namedPortSetName($0)] != nil }.sorted(),
            families: Set(state.policedPods.flatMap { $0.ips.map(\.family) }), chains: [:])
        // Which chain decides each list of policies: the compiler's keys name policies, ours
        // index them (a fraction of the size).
        var chains: [String: Chain] = [:]
        var matcher = Matcher(self)
        for pod in state.policedPods {
            for direction in NetworkPolicy.PolicyType.allCases {
                let indices = matcher.policies(selecting: pod, for: direction)
                guard !indices.isEmpty,
                    let name = chainKeys[PolicyCompiler.chainKey(direction, indices.map { sorted[$0].ref })]
                else { continue }
                chains[Self.chainKey(direction, indices), default: Chain(name: name, pods: 0)].pods += 1
            }
        }
        self.chains = chains
    }

    static func chainKey(_ direction: NetworkPolicy.PolicyType, _ policies: [Int]) -> String {
        (direction == .ingress ? "i" : "e") + policies.map(String.init).joined(separator: ",")
    }

    /// Labels of a namespace; one known only from its pods has just its name label.
    func namespaceLabels(_ name: String) -> Labels {
        namespaces[name] ?? Namespace(name: name).labels
    }

    /// Evaluates the cache's selectors against pods, each selector once per label set.
    struct Matcher {
        let cache: PolicyStateCache
        let policiesByNamespace: [String: [Int]]

        init(_ cache: PolicyStateCache) {
            self.cache = cache
            var byNamespace: [String: [Int]] = [:]
            for (index, policy) in cache.policies.enumerated() { byNamespace[policy.namespace, default: []].append(index) }
            policiesByNamespace = byNamespace
        }

        /// Indices (rule order) of the policies selecting `pod` for `direction`.
        mutating func policies(selecting pod: Pod, for direction: NetworkPolicy.PolicyType) -> [Int] {
            var matches: [Int: Bool] = [:]
            var out: [Int] = []
            for index in policiesByNamespace[pod.namespace] ?? [] {
                let policy = cache.policies[index]
                guard policy.applies(to: direction) else { continue }
                let selected: Bool
                if let known = matches[policy.podSelector] {
                    selected = known
                } else {
                    selected = cache.selectors[policy.podSelector].matches(pod.labels)
                    matches[policy.podSelector] = selected
                }
                if selected { out.append(index) }
            }
            return out
        }

        /// Whether the peer set chooses `pod` (any of its peers does).
        func chooses(_ set: PeerSet, _ pod: Pod) -> Bool {
            set.peers.contains { peer in
                if let namespaceSelector = peer.namespaceSelector {
                    guard cache.selectors[namespaceSelector].matches(cache.namespaceLabels(pod.namespace)) else { return false }
                } else if pod.namespace != set.policyNamespace {
                    return false
                }
                return peer.podSelector.map { cache.selectors[$0].matches(pod.labels) } ?? true
            }
        }
    }
}
