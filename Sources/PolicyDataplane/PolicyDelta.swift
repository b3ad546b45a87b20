import NFTables
import NetworkPolicy

/// A pod-only change compiled against a `PolicyStateCache`: the set and map element changes
/// that bring a table holding the full compile of the old pods to the full compile of the new
/// ones, without compiling any policy. `nil` when the change needs more than elements: a pod
/// selected by a list of policies that has no chain yet, a chain (and so possibly its sets)
/// left without pods, or a change of the cluster's address families (the chains are rendered
/// per family).
public struct PolicyDelta: Sendable {
    /// Elements to delete, then to add, per set or map (canonical text -> element).
    public var deletions: [String: (set: NFTSet, elements: [String: NFTElement])] = [:]
    public var additions: [String: (set: NFTSet, elements: [String: NFTElement])] = [:]
    /// The cache after the change (chain pod counts).
    public var cache: PolicyStateCache

    public var isEmpty: Bool { deletions.isEmpty && additions.isEmpty }

    /// One transaction: every deletion first (a map element whose verdict changes is deleted,
    /// then added), then every addition.
    public var transaction: NFTablesTransaction {
        var tx = NFTablesTransaction()
        for name in deletions.keys.sorted() {
            let (set, elements) = deletions[name]!
            tx.delete(elements.keys.sorted().map { elements[$0]! }, from: set)
        }
        for name in additions.keys.sorted() {
            let (set, elements) = additions[name]!
            tx.add(elements.keys.sorted().map { elements[$0]! }, to: set)
        }
        return tx
    }

    /// The element changes from `old` to `new` pods (every pod, policed or not, by reference).
    public static func compute(
        _ cache: PolicyStateCache, old: [ObjectRef: Pod], new: [ObjectRef: Pod], layout: PolicyTableLayout
    ) -> PolicyDelta? {
        func policed(_ pod: Pod?) -> Pod? { pod.flatMap { !$0.hostNetwork && !$0.ips.isEmpty ? $0 : nil } }
        var changed: [ObjectRef] = []
        for (ref, pod) in new where old[ref] != pod { changed.append(ref) }
        for ref in old.keys where new[ref] == nil { changed.append(ref) }
        var newFamilies: Set<IPAddress.Family> = []
        for pod in new.values { if let pod = policed(pod) { newFamilies.formUnion(pod.ips.map(\.family)) } }
        guard newFamilies == cache.families else { return nil }

        let matcher = PolicyStateCache.Matcher(cache)
        var delta = PolicyDelta(cache: cache)
        var affected: Set<IPAddress> = []
        for ref in changed {
            for (pod, step) in [(policed(old[ref]), -1), (policed(new[ref]), 1)] {
                guard let pod else { continue }
                affected.formUnion(pod.ips)
                for direction in NetworkPolicy.PolicyType.allCases {
                    let indices = matcher.groups(selecting: pod, for: direction)
                    guard !indices.isEmpty else { continue }
                    let key = PolicyStateCache.chainKey(direction, indices)
                    guard delta.cache.chains[key] != nil else { return nil }  // a new chain: not an element change
                    delta.cache.chains[key]!.pods += step
                }
            }
        }
        guard !delta.cache.chains.values.contains(where: { $0.pods <= 0 }) else { return nil }

        let before = elements(of: affected, among: old, cache: cache, matcher: matcher, layout: layout)
        let after = elements(of: affected, among: new, cache: delta.cache, matcher: matcher, layout: layout)
        for (name, (set, elements)) in before {
            let gone = elements.filter { after[name]?.elements[$0.key] == nil }
            if !gone.isEmpty { delta.deletions[name] = (set, gone) }
        }
        for (name, (set, elements)) in after {
            let added = elements.filter { before[name]?.elements[$0.key] == nil }
            if !added.isEmpty { delta.additions[name] = (set, added) }
        }
        return delta
    }

    /// The elements, in every set and map, keyed by `ips` when the policed pods are `pods`:
    /// what `PolicyProgram.render` holds for these addresses.
    static func elements(
        of ips: Set<IPAddress>, among pods: [ObjectRef: Pod], cache: PolicyStateCache,
        matcher: PolicyStateCache.Matcher, layout: PolicyTableLayout
    ) -> [String: (set: NFTSet, elements: [String: NFTElement])] {
        var out: [String: (set: NFTSet, elements: [String: NFTElement])] = [:]
        func insert(_ set: NFTSet, _ text: String, _ element: NFTElement) {
            out[set.name, default: (set, [:])].elements[text] = element
        }
        let holders = pods.values.filter { !$0.hostNetwork && !$0.ips.isEmpty && $0.ips.contains(where: ips.contains) }
            .sorted { $0.ref < $1.ref }
        let withRules = !cache.chains.isEmpty
        var ingress: [IPAddress: String] = [:], egress: [IPAddress: String] = [:]
        for pod in holders {
            let ownIPs = pod.ips.filter(ips.contains)
            if withRules {
                for set in cache.peerSets where matcher.chooses(set, pod) {
                    for ip in ownIPs { insert(layout.addressSet(set.name, .init(ip.family)), ip.description, NFTElement(.string(ip.description))) }
                }
                for port in pod.ports {
                    guard let name = port.name, cache.namedPorts.contains(name) else { continue }
                    for ip in ownIPs {
                        let entry = NamedPortElement(ip: ip, proto: port.proto, port: port.port)
                        insert(
                            layout.namedPortSet(PolicyCompiler.namedPortSetName(name), .init(ip.family)), entry.description,
                            NFTElement(.concat([.string(ip.description), .string(port.proto.nftName), .number(port.port)])))
                    }
                }
            }
            // The last pod (in name order) with an address decides its dispatch, as in the compiler.
            for direction in NetworkPolicy.PolicyType.allCases {
                let indices = matcher.groups(selecting: pod, for: direction)
                guard !indices.isEmpty, let chain = cache.chains[PolicyStateCache.chainKey(direction, indices)]?.name else { continue }
                for ip in ownIPs {
                    if direction == .ingress { ingress[ip] = chain } else { egress[ip] = chain }
                }
            }
        }
        for (direction, dispatch) in [(NetworkPolicy.PolicyType.ingress, ingress), (.egress, egress)] {
            for (ip, chain) in dispatch {
                let map = layout.dispatchMap(direction, .init(ip.family))
                let verdict: NFTVerdict = direction == .ingress ? .goto(chain) : .jump(chain)
                insert(map, "\(ip) : \(direction == .ingress ? "goto" : "jump") \(chain)", .verdict(.string(ip.description), verdict))
            }
        }
        return out
    }
}
