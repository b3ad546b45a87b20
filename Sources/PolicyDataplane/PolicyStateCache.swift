import NetworkPolicy

/// What a pod-only change needs to know about the compiled program, without the policies'
/// rules: the namespaces and their labels, the policies grouped by (namespace, pod selector,
/// directions), every peer set's selectors, the named ports in use, the address families of
/// the chains, and which chain decides each list of selecting policies (with how many pods
/// use it). Selectors are stored once each.
///
/// A pod selected by the policies of some groups is selected by exactly the policies of
/// those groups (groups are disjoint), so the list of policies selecting a pod, which names
/// its chain, is identified by the sorted list of its groups: 5000 policies of 200 distinct
/// (namespace, selector) pairs are 200 groups, and chain keys are short.
///
/// Built from a full compile (`init(state:program:details:layout:)`); `PolicyDelta` uses it
/// to turn pod additions, removals and relabels into set and map element changes.
public struct PolicyStateCache: Sendable, Equatable {
    /// The policies of one namespace with one pod selector and the same directions.
    public struct PolicyGroup: Sendable, Equatable {
        public let namespace: String
        /// Index into `selectors`.
        public let podSelector: Int
        public let ingress: Bool
        public let egress: Bool
        /// How many policies (informative).
        public let policies: Int
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
    public var groups: [PolicyGroup]
    public var peerSets: [PeerSet]
    /// Port names with a `port_<hash>` set.
    public var namedPorts: [String]
    /// Address families of the cluster's policed pods (the chains are rendered for these).
    public var families: Set<IPAddress.Family>
    /// `PolicyStateCache.chainKey` (direction and group indices) -> chain.
    public var chains: [String: Chain]

    public init(
        layoutMarker: String, namespaces: [String: Labels], selectors: [LabelSelector], groups: [PolicyGroup],
        peerSets: [PeerSet], namedPorts: [String], families: Set<IPAddress.Family>, chains: [String: Chain]
    ) {
        self.layoutMarker = layoutMarker
        self.namespaces = namespaces
        self.selectors = selectors
        self.groups = groups
        self.peerSets = peerSets
        self.namedPorts = namedPorts
        self.families = families
        self.chains = chains
    }

    /// The cache of a full compile of `state` (`PolicyCompiler.compileWithDetails`).
    public init(state: ClusterState, program: PolicyProgram, details: PolicyCompiler.Details, layout: PolicyTableLayout) {
        var selectorIndex: [LabelSelector: Int] = [:]
        var selectors: [LabelSelector] = []
        func index(_ selector: LabelSelector) -> Int {
            if let known = selectorIndex[selector] { return known }
            selectors.append(selector)
            selectorIndex[selector] = selectors.count - 1
            return selectors.count - 1
        }
        let sorted = state.sortedPolicies
        // Groups in order of their first policy; members in rule order.
        var groupIndex: [String: Int] = [:]
        var members: [[Int]] = []
        var groups: [PolicyGroup] = []
        for (position, policy) in sorted.enumerated() {
            let selector = index(policy.podSelector)
            let ingress = policy.applies(to: .ingress), egress = policy.applies(to: .egress)
            let key = "\(policy.namespace) \(selector) \(ingress) \(egress)"
            if let known = groupIndex[key] {
                members[known].append(position)
            } else {
                groupIndex[key] = groups.count
                groups.append(PolicyGroup(namespace: policy.namespace, podSelector: selector, ingress: ingress, egress: egress, policies: 0))
                members.append([position])
            }
        }
        groups = zip(groups, members).map {
            PolicyGroup(namespace: $0.namespace, podSelector: $0.podSelector, ingress: $0.ingress, egress: $0.egress, policies: $1.count)
        }
        // Peer sets as the compiler defined them.
        var peerSets: [PeerSet] = []
        for name in details.peerSets.keys.sorted() {
            let (namespace, selectorPeers) = details.peerSets[name]!
            // Canonical (the same set may be defined by several policies): peers sorted and
            // unique, no namespace when every peer picks namespaces by selector.
            var unique: Set<[Int]> = []
            for case .pods(let podSelector, let namespaceSelector) in selectorPeers {
                unique.insert([namespaceSelector.map(index) ?? -1, podSelector.map(index) ?? -1])
            }
            let peers = unique.sorted { $0.lexicographicallyPrecedes($1) }.map {
                SelectorPeer(podSelector: $0[1] < 0 ? nil : $0[1], namespaceSelector: $0[0] < 0 ? nil : $0[0])
            }
            let scoped = peers.contains { $0.namespaceSelector == nil }
            peerSets.append(PeerSet(name: name, policyNamespace: scoped ? namespace : "", peers: peers))
        }
        // Named ports with a set: the set is named after the port.
        var namedPorts: [String] = []
        for chain in program.chains.values {
            for rule in chain.rules { if case .named(_, _, let name) = rule.port { namedPorts.append(name) } }
        }
        self.init(
            layoutMarker: PolicySync(layout: layout).layoutMarker.name,
            namespaces: state.namespaces.mapValues(\.labels), selectors: selectors, groups: groups,
            peerSets: peerSets, namedPorts: Array(Set(namedPorts)).sorted(),
            families: Set(state.policedPods.flatMap { $0.ips.map(\.family) }), chains: [:])
        // Which chain decides each list of policies: the compiler's keys name policies, ours
        // index them (a fraction of the size).
        var chains: [String: Chain] = [:]
        var chainOfKey: [String: String?] = [:]  // one lookup per distinct list of groups
        let matcher = Matcher(self)
        for pod in state.policedPods {
            for direction in NetworkPolicy.PolicyType.allCases {
                let selecting = matcher.groups(selecting: pod, for: direction)
                guard !selecting.isEmpty else { continue }
                let key = Self.chainKey(direction, selecting)
                if chainOfKey[key] == nil {
                    let policies = selecting.flatMap { members[$0] }.sorted().map { sorted[$0].ref }
                    chainOfKey[key] = .some(details.chainKeys[PolicyCompiler.chainKey(direction, policies)])
                }
                guard let name = chainOfKey[key]! else { continue }
                chains[key, default: Chain(name: name, pods: 0)].pods += 1
            }
        }
        self.chains = chains
    }

    static func chainKey(_ direction: NetworkPolicy.PolicyType, _ groups: [Int]) -> String {
        (direction == .ingress ? "i" : "e") + groups.map(String.init).joined(separator: ",")
    }

    /// Labels of a namespace; one known only from its pods has just its name label.
    func namespaceLabels(_ name: String) -> Labels {
        namespaces[name] ?? Namespace(name: name).labels
    }

    /// Evaluates the cache's selectors against pods, each selector once per label set.
    struct Matcher {
        let cache: PolicyStateCache
        let groupsByNamespace: [String: [Int]]

        init(_ cache: PolicyStateCache) {
            self.cache = cache
            var byNamespace: [String: [Int]] = [:]
            for (index, group) in cache.groups.enumerated() { byNamespace[group.namespace, default: []].append(index) }
            groupsByNamespace = byNamespace
        }

        /// Indices (ascending) of the groups of policies selecting `pod` for `direction`.
        func groups(selecting pod: Pod, for direction: NetworkPolicy.PolicyType) -> [Int] {
            (groupsByNamespace[pod.namespace] ?? []).filter { index in
                let group = cache.groups[index]
                return (direction == .ingress ? group.ingress : group.egress) && cache.selectors[group.podSelector].matches(pod.labels)
            }
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

extension PolicyStateCache {
    /// Which pods the program this cache describes isolates: a policed pod selected by a
    /// policy for either direction has its addresses in a dispatch map (the compiler's
    /// `ingressDispatch`/`egressDispatch` keys), without compiling. For the vxlan eBPF data
    /// path's slow-path marks on the pods-only path of `cnictl policy apply`.
    public struct Isolation {
        let matcher: Matcher

        public init(_ cache: PolicyStateCache) { matcher = Matcher(cache) }

        /// Whether `pod`'s addresses are dispatched to a chain (for a pod of the pods the
        /// cache was built or last updated for by `PolicyDelta`).
        public func isolates(_ pod: Pod) -> Bool {
            guard !pod.hostNetwork, !pod.ips.isEmpty else { return false }
            return NetworkPolicy.PolicyType.allCases.contains { direction in
                let indices = matcher.groups(selecting: pod, for: direction)
                return !indices.isEmpty && matcher.cache.chains[PolicyStateCache.chainKey(direction, indices)] != nil
            }
        }
    }
}
