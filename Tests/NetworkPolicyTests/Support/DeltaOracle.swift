import NFTables
import NetworkPolicy
import PolicyDataplane

/// A deterministic random number generator (SplitMix64), so a failing walk can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The oracle of the pods-only path: for a change of pods, `PolicyDelta` applied to the
/// elements of the full compile of the old state must give exactly the elements of the full
/// compile of the new state, and it must decline (nil) exactly when the new compile has other
/// chains (a new list of selecting policies, a chain left without pods, other families).
enum DeltaOracle {
    static let layout = PolicyTableLayout()

    /// Problems found for `old` -> `new` (empty: none); `cache` is the cache of `old` (nil:
    /// built from a full compile). Returns the cache of `new`.
    static func check(
        _ old: ClusterState, _ new: ClusterState, cache: PolicyStateCache?, label: String, problems: inout [String], accepted: inout Int
    ) -> PolicyStateCache {
        let (before, beforeKeys) = PolicyCompiler().compileWithDetails(old)
        let cache = cache ?? PolicyStateCache(state: old, program: before, details: beforeKeys, layout: layout)
        let (after, afterKeys) = PolicyCompiler().compileWithDetails(new)
        let freshCache = PolicyStateCache(state: new, program: after, details: afterKeys, layout: layout)
        let sameChains = Set(before.chains.keys) == Set(after.chains.keys)
        guard let delta = PolicyDelta.compute(cache, old: old.pods, new: new.pods, layout: layout) else {
            if sameChains { problems.append("\(label): declined although the chains are the same") }
            return freshCache
        }
        accepted += 1
        if !sameChains {
            problems.append("\(label): element-only update although chains change: \(Set(before.chains.keys).symmetricDifference(after.chains.keys).sorted())")
        }
        var sets = PolicyTableState(program: before, layout: layout).sets
        for (name, change) in delta.deletions {
            for text in change.elements.keys {
                if sets[name]?[text] == nil { problems.append("\(label): deletes \(text) from \(name), which lacks it") }
                sets[name]?[text] = nil
            }
        }
        for (name, change) in delta.additions {
            guard sets[name] != nil else {
                problems.append("\(label): adds to \(name), which does not exist")
                continue
            }
            for (text, element) in change.elements {
                if sets[name]![text] != nil { problems.append("\(label): adds \(text) to \(name), which has it") }
                sets[name]![text] = element.key
            }
        }
        let expected = PolicyTableState(program: after, layout: layout).sets
        for name in Set(sets.keys).union(expected.keys).sorted() where Set(sets[name]?.keys ?? [:].keys) != Set(expected[name]?.keys ?? [:].keys) {
            let got = Set(sets[name]?.keys ?? [:].keys), want = Set(expected[name]?.keys ?? [:].keys)
            problems.append("\(label): \(name) missing \(want.subtracting(got).sorted()), extra \(got.subtracting(want).sorted())")
        }
        if delta.cache != freshCache { problems.append("\(label): the updated cache differs from the cache of a full compile") }
        // The eBPF data path's slow-path marks on the pods-only path: the pods the updated
        // cache isolates hold exactly the full compile's dispatch keys.
        let isolation = PolicyStateCache.Isolation(delta.cache)
        let isolated = Set(new.pods.values.filter(isolation.isolates).flatMap(\.ips))
        let dispatched = Set(after.ingressDispatch.keys).union(after.egressDispatch.keys)
        if isolated != dispatched {
            problems.append("\(label): isolated pods' addresses missing \(dispatched.subtracting(isolated).sorted()), extra \(isolated.subtracting(dispatched).sorted())")
        }
        return delta.cache
    }

    /// A random walk of pod changes from `start` (additions, removals, relabels, port, address
    /// and host-network changes), each step checked; the cache is carried from step to step as
    /// `cnictl` carries it, and rebuilt from a full compile where the delta declines.
    static func walk(_ start: ClusterState, steps: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(state: seed)
        var problems: [String] = []
        var state = start
        var cache: PolicyStateCache?
        let initial = initialCache(start)
        if PolicyStateCache(json: initial.json) != initial { problems.append("the cache does not survive its JSON form") }
        var added = 0, accepted = 0
        for step in 0..<steps {
            var next = state
            let pods = next.pods.keys.sorted()
            let namespaces = ["x", "y", "z", "w"]
            func randomLabels() -> Labels {
                var labels: Labels = ["pod": ["a", "b", "c", "d"].randomElement(using: &rng)!]
                if Bool.random(using: &rng) { labels["extra"] = ["1", "2"].randomElement(using: &rng)! }
                return labels
            }
            func randomPorts() -> [ContainerPort] {
                E2EFixture.servedPorts.filter { _ in Int.random(in: 0..<3, using: &rng) > 0 }
            }
            let kind = pods.isEmpty ? 0 : Int.random(in: 0..<7, using: &rng)
            var what = ""
            switch kind {
            case 0, 1:
                added += 1
                let namespace = namespaces.randomElement(using: &rng)!
                var ips = [IPAddress("10.244.9.\(added)")!]
                if Int.random(in: 0..<4, using: &rng) > 0 { ips.append(IPAddress("fd00:244:9::\(added)")!) }
                if Int.random(in: 0..<10, using: &rng) == 0, let other = state.pods.values.randomElement(using: &rng), !other.ips.isEmpty {
                    ips = other.ips  // an address another pod still has
                }
                next.upsert(Pod(namespace: namespace, name: "n\(added)", labels: randomLabels(), ips: ips, ports: randomPorts()))
                what = "add \(namespace)/n\(added) \(ips)"
            case 2:
                let ref = pods.randomElement(using: &rng)!
                next.removePod(ref)
                what = "remove \(ref)"
            case 3, 4:
                var pod = next.pods[pods.randomElement(using: &rng)!]!
                pod.labels = randomLabels()
                next.upsert(pod)
                what = "relabel \(pod.ref) \(pod.labels)"
            case 5:
                var pod = next.pods[pods.randomElement(using: &rng)!]!
                pod.ports = randomPorts()
                next.upsert(pod)
                what = "ports of \(pod.ref)"
            default:
                var pod = next.pods[pods.randomElement(using: &rng)!]!
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: pod.hostNetwork.toggle()
                case 1: pod.ips = pod.ips.isEmpty ? [IPAddress("10.244.8.\(step)")!] : []
                default: pod.ips = [IPAddress("10.244.7.\(step)")!] + pod.ips.filter { $0.family == .ipv6 }
                }
                next.upsert(pod)
                what = "addresses of \(pod.ref): \(pod.ips) hostNetwork \(pod.hostNetwork)"
            }
            cache = check(state, next, cache: cache, label: "seed \(seed) step \(step) (\(what))", problems: &problems, accepted: &accepted)
            state = next
            if problems.count > 10 { return problems }
        }
        // A walk where (nearly) every change needs new chains would not test the delta.
        if accepted < steps / 3 { problems.append("seed \(seed): only \(accepted) of \(steps) changes were element-only") }
        return problems
    }

    static func initialCache(_ state: ClusterState) -> PolicyStateCache {
        let (program, keys) = PolicyCompiler().compileWithDetails(state)
        return PolicyStateCache(state: state, program: program, details: keys, layout: layout)
    }
}
