import NFTables
import NetworkPolicy
import PolicyDataplane
import Testing
import JSONSupport

/// The pods-only path (`PolicyDelta` on a `PolicyStateCache`) against full compiles.
@Suite("pods-only delta compile vs full compile")
struct PolicyDeltaTests {
    /// Policies of several kinds at once: selectors, namespace selectors, expressions, named
    /// ports, ipBlocks, egress.
    static var mixedPolicies: [NetworkPolicy] {
        [
            NetworkPolicy(namespace: "x", name: "deny-all", podSelector: .everything, policyTypes: [.ingress, .egress]),
            NetworkPolicy(namespace: "x", name: "allow-b", podSelector: selector(["pod": "a"]),
                          ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], ports: [named("serve-80-tcp")])]),
            NetworkPolicy(namespace: "y", name: "from-ns", podSelector: selector([:], [.init(key: "pod", op: .in, values: ["a", "b", "d"])]),
                          ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "c"]), namespaceSelector: selector(["ns": "x"])),
                                                       .pods(podSelector: nil, namespaceSelector: selector([:], [.init(key: "ns", op: .notIn, values: ["z"])]))],
                                               ports: [tcp(80, end: 81), named("serve-81-udp", .udp)])]),
            NetworkPolicy(namespace: "z", name: "egress", podSelector: selector([:], [.init(key: "extra", op: .doesNotExist)]),
                          egress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.244.0.0/16")!, except: [CIDR("10.244.2.0/24")!])),
                                                      .pods(podSelector: selector(["extra": "1"]), namespaceSelector: .everything)])],
                          policyTypes: [.egress]),
            NetworkPolicy(namespace: "w", name: "w-ingress", podSelector: .everything,
                          ingress: [PolicyRule(peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))])]),
        ]
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomWalksOfMixedPolicies(seed: UInt64) {
        let problems = DeltaOracle.walk(E2EFixture(policies: Self.mixedPolicies).state, steps: 60, seed: seed)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func addingAPodToAnExistingSelectorChangesOnlyItsElements() throws {
        let old = E2EFixture(policies: Self.mixedPolicies).state
        var new = old
        new.upsert(Pod(namespace: "x", name: "a2", labels: ["pod": "a"], ips: [IPAddress("10.244.1.99")!, IPAddress("fd00:244:1::99")!],
                       ports: E2EFixture.servedPorts))
        var problems: [String] = [], accepted = 0
        _ = DeltaOracle.check(old, new, cache: nil, label: "add x/a2", problems: &problems, accepted: &accepted)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let delta = try #require(PolicyDelta.compute(DeltaOracle.initialCache(old), old: old.pods, new: new.pods, layout: DeltaOracle.layout))
        #expect(delta.deletions.isEmpty)
        // x/a2 is selected like x/a (a chain that exists): its addresses join both dispatch
        // maps per family, y/from-ns's peer set (namespace x is not z) and the named-port sets.
        #expect(delta.additions.keys.contains("ingress_4") && delta.additions.keys.contains("egress_6"))
        #expect(delta.transaction.commands.count == delta.additions.count)
    }

    @Test func aNewFamilyOrANewPolicyListDeclines() {
        // A world of IPv4-only pods: the first IPv6 pod changes every chain's rendering.
        var v4 = ClusterState()
        for namespace in ["x", "y"] {
            v4.upsert(Namespace(name: namespace, labels: ["ns": namespace]))
            v4.upsert(Pod(namespace: namespace, name: "a", labels: ["pod": "a"], ips: [E2EFixture.ip(namespace, "a")]))
        }
        for policy in Self.mixedPolicies { v4.upsert(policy) }
        var dual = v4
        dual.upsert(Pod(namespace: "y", name: "b", labels: ["pod": "a"], ips: [IPAddress("10.244.2.50")!, IPAddress("fd00::50")!]))
        #expect(PolicyDelta.compute(DeltaOracle.initialCache(v4), old: v4.pods, new: dual.pods, layout: DeltaOracle.layout) == nil)
        // x/b is selected by x/deny-all only, a list no pod had: a new chain.
        var fresh = v4
        fresh.upsert(Pod(namespace: "x", name: "b", labels: ["pod": "b"], ips: [IPAddress("10.244.1.50")!]))
        #expect(PolicyDelta.compute(DeltaOracle.initialCache(v4), old: v4.pods, new: fresh.pods, layout: DeltaOracle.layout) == nil)
        var problems: [String] = [], accepted = 0
        _ = DeltaOracle.check(v4, dual, cache: nil, label: "first IPv6 pod", problems: &problems, accepted: &accepted)
        _ = DeltaOracle.check(v4, fresh, cache: nil, label: "new policy list", problems: &problems, accepted: &accepted)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func podsSurviveTheirJSONForm() throws {
        for pod in E2EFixture(policies: []).state.pods.values {
            #expect(PodJSON.decode(try JSONParser.parse(PodJSON.encode(pod).serialized())) == pod)
        }
        let bare = Pod(namespace: "n", name: "p", labels: [:], ips: [], ports: [ContainerPort(port: 53, proto: .udp)], hostNetwork: true)
        #expect(PodJSON.decode(PodJSON.encode(bare)) == bare)
    }
}
