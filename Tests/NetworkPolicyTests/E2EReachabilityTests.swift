import NetworkPolicy
import PolicyDataplane
import Testing

/// The Kubernetes e2e netpol cases, without root: for each case the evaluator's truth table
/// must equal the expected one, and the compiled program must give the same verdict (and the
/// same deciding rule) as the evaluator for every pair.
@Suite("e2e netpol truth tables (evaluator and compiled program)")
struct E2EReachabilityTests {
    func check(_ policies: [NetworkPolicy], _ reachability: Reachability, _ proto: TransportProtocol = .tcp, _ port: Int = 80,
               state: ClusterState? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let state = state ?? E2EFixture(policies: policies).state
        let problems = probeMismatches(state, reachability, proto: proto, port: port)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
        let problems6 = probeMismatches(state, reachability, proto: proto, port: port, ipv6: true)
        #expect(problems6.isEmpty, "IPv6: \(problems6.joined(separator: "\n"))", sourceLocation: sourceLocation)
        // The pods-only path: random pod changes of this case's world, delta vs full compile.
        let deltaProblems = DeltaOracle.walk(state, steps: 30, seed: UInt64(sourceLocation.line))
        #expect(deltaProblems.isEmpty, "pods-only delta: \(deltaProblems.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    @Test func noPoliciesAllowsEverything() {
        check([], Reachability())
    }

    @Test func defaultDenyIngress() {
        let deny = NetworkPolicy(namespace: "x", name: "deny-ingress", podSelector: .everything)
        var r = Reachability()
        r.expectAllIngress(to: "x", false)
        check([deny], r)
        check([deny], r, .udp, 81)
    }

    @Test func defaultDenyEgress() {
        let deny = NetworkPolicy(namespace: "x", name: "deny-egress", podSelector: .everything, policyTypes: [.egress])
        var r = Reachability()
        r.expectAllEgress(from: "x", false)
        check([deny], r)
        check([deny], r, .udp, 80)
    }

    @Test func defaultDenyAll() {
        let deny = NetworkPolicy(namespace: "x", name: "deny-all", podSelector: .everything, policyTypes: [.ingress, .egress])
        var r = Reachability()
        r.expectAllEgress(from: "x", false)
        r.expectAllIngress(to: "x", false)
        check([deny], r)
    }

    @Test func allowAllIngressAndEgress() {
        let deny = NetworkPolicy(namespace: "x", name: "deny-all", podSelector: .everything, policyTypes: [.ingress, .egress])
        let allow = NetworkPolicy(namespace: "x", name: "allow-all", podSelector: .everything, ingress: [PolicyRule()], egress: [PolicyRule()],
                                  policyTypes: [.ingress, .egress])
        check([deny, allow], Reachability())
    }

    @Test func podSelectorInServerNamespace() {
        let policy = NetworkPolicy(namespace: "x", name: "allow-b-to-a", podSelector: selector(["pod": "a"]),
                                   ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)])])
        var r = Reachability()
        r.expectAllIngress(to: "x/a", false)
        r.expect(from: "x/b", to: "x/a", true)
        check([policy], r)
    }

    @Test func namespaceSelectorAlone() {
        let policy = NetworkPolicy(namespace: "x", name: "allow-y", podSelector: selector(["pod": "a"]),
                                   ingress: [PolicyRule(peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))])])
        var r = Reachability()
        r.expectPeer(from: "x", to: "x/a", false)
        r.expectPeer(from: "z", to: "x/a", false)
        check([policy], r)
    }

    @Test func namespaceSelectorWithMatchExpressions() {
        let policy = NetworkPolicy(namespace: "x", name: "allow-ns-in-y", podSelector: selector(["pod": "a"]),
                                   ingress: [PolicyRule(peers: [.pods(podSelector: nil, namespaceSelector: selector([:], [.init(key: "ns", op: .in, values: ["y"])]))])])
        var r = Reachability()
        r.expectPeer(from: "x", to: "x/a", false)
        r.expectPeer(from: "z", to: "x/a", false)
        check([policy], r)
    }

    @Test func podAndNamespaceSelectorTogetherIsAnd() {
        let peer = PolicyPeer.pods(podSelector: selector(["pod": "b"]), namespaceSelector: selector([:], [.init(key: "ns", op: .notIn, values: ["x"])]))
        let policy = NetworkPolicy(namespace: "x", name: "and", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(peers: [peer])])
        var r = Reachability()
        r.expectAllIngress(to: "x/a", false)
        r.expect(from: "y/b", to: "x/a", true)
        r.expect(from: "z/b", to: "x/a", true)
        check([policy], r)
    }

    @Test func podOrNamespaceSelectorSeparateIsOr() {
        let policy = NetworkPolicy(namespace: "x", name: "or", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(peers: [
            .pods(podSelector: nil, namespaceSelector: selector([:], [.init(key: "ns", op: .notIn, values: ["x"])])),
            .pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil),
        ])])
        var r = Reachability()
        r.expect(from: "x/c", to: "x/a", false)
        check([policy], r)
    }

    @Test func multiplePodAndNamespaceSelectorsWithExpressions() {
        let peer = PolicyPeer.pods(
            podSelector: selector([:], [.init(key: "pod", op: .in, values: ["b", "c"])]),
            namespaceSelector: selector([:], [.init(key: "ns", op: .notIn, values: ["x"])]))
        let policy = NetworkPolicy(namespace: "x", name: "multi", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(peers: [peer])])
        var r = Reachability()
        r.expectAllIngress(to: "x/a", false)
        for from in ["y/b", "y/c", "z/b", "z/c"] { r.expect(from: from, to: "x/a", true) }
        check([policy], r)
    }

    @Test func matchExpressionsExistsAndDoesNotExist() {
        // Targets: pods with pod in (a, b); sources: pods with a `pod` label in namespaces
        // without ns=y; a DoesNotExist peer matches nobody here.
        let policy = NetworkPolicy(namespace: "x", name: "expr", podSelector: selector([:], [.init(key: "pod", op: .in, values: ["a", "b"])]),
                                   ingress: [PolicyRule(peers: [
                                       .pods(podSelector: selector([:], [.init(key: "pod", op: .exists)]),
                                             namespaceSelector: selector([:], [.init(key: "ns", op: .notIn, values: ["y"])])),
                                       .pods(podSelector: selector([:], [.init(key: "pod", op: .doesNotExist)]), namespaceSelector: selector()),
                                   ])])
        var r = Reachability()
        r.expectPeer(from: "y", to: "x/a", false)
        r.expectPeer(from: "y", to: "x/b", false)
        check([policy], r)
    }

    @Test func egressToIPBlockWithExcept() {
        let block = IPBlock(cidr: CIDR("10.244.0.0/16")!, except: [CIDR("10.244.2.0/24")!, CIDR("10.244.3.12/32")!])
        let policy = NetworkPolicy(namespace: "x", name: "egress-cidr", podSelector: selector(["pod": "a"]),
                                   egress: [PolicyRule(peers: [.ipBlock(block)])], policyTypes: [.egress])
        var r = Reachability()
        r.expectPeer(from: "x/a", to: "y", false)
        r.expect(from: "x/a", to: "z/c", false)
        let state = E2EFixture(policies: [policy]).state
        #expect(probeMismatches(state, r, proto: .tcp, port: 80).isEmpty, "\(probeMismatches(state, r, proto: .tcp, port: 80))")
        // IPv6 has no block: all IPv6 egress of x/a is denied.
        var r6 = Reachability()
        r6.expectAllEgress(from: "x/a", false)
        #expect(probeMismatches(state, r6, proto: .tcp, port: 80, ipv6: true).isEmpty)
    }

    @Test func ingressFromPodIPBlockAndReallowedBySecondPolicy() {
        let only = NetworkPolicy(namespace: "x", name: "from-zc", podSelector: selector(["pod": "a"]),
                                 ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.244.3.0/24")!, except: [CIDR("10.244.3.10/31")!]))])])
        var r = Reachability()
        r.expectAllIngress(to: "x/a", false)
        r.expect(from: "z/c", to: "x/a", true)
        let state = E2EFixture(policies: [only]).state
        #expect(probeMismatches(state, r, proto: .tcp, port: 80).isEmpty, "\(probeMismatches(state, r, proto: .tcp, port: 80))")
        // A second policy allowing the excepted z/a back: the union allows it.
        let back = NetworkPolicy(namespace: "x", name: "from-za", podSelector: selector(["pod": "a"]),
                                 ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("10.244.3.10/32")!))])])
        r.expect(from: "z/a", to: "x/a", true)
        let both = E2EFixture(policies: [only, back]).state
        #expect(probeMismatches(both, r, proto: .tcp, port: 80).isEmpty, "\(probeMismatches(both, r, proto: .tcp, port: 80))")
    }

    @Test func ingressOnNamedPort() {
        let policy = NetworkPolicy(namespace: "x", name: "named-81", podSelector: .everything,
                                   ingress: [PolicyRule(ports: [named("serve-81-tcp")])])
        check([policy], Reachability(), .tcp, 81)
        var denied = Reachability()
        denied.expectAllIngress(to: "x", false)
        check([policy], denied, .tcp, 80)
        check([policy], denied, .udp, 81)
    }

    @Test func namedPortWithTheWrongProtocolMatchesNothing() {
        let policy = NetworkPolicy(namespace: "x", name: "udp-on-tcp-name", podSelector: .everything,
                                   ingress: [PolicyRule(ports: [named("serve-80-tcp", .udp)])])
        var denied = Reachability()
        denied.expectAllIngress(to: "x", false)
        check([policy], denied, .udp, 80)
        check([policy], denied, .tcp, 80)
    }

    @Test func egressOnNamedPortResolvesAgainstTheDestination() {
        let policy = NetworkPolicy(namespace: "x", name: "egress-80", podSelector: .everything,
                                   egress: [PolicyRule(ports: [named("serve-80-udp", .udp)])], policyTypes: [.egress])
        check([policy], Reachability(), .udp, 80)
        var r = Reachability()
        r.expectAllEgress(from: "x", false)
        check([policy], r, .udp, 81)
        check([policy], r, .tcp, 80)
    }

    @Test func namedPortAbsentOnSomeDestinations() {
        // y/b has no container ports: a named port cannot resolve there.
        var state = E2EFixture(policies: [NetworkPolicy(namespace: "x", name: "egress-named", podSelector: .everything,
                                                        egress: [PolicyRule(ports: [named("serve-80-tcp")])], policyTypes: [.egress])]).state
        var yb = E2EFixture.pod("y", "b")
        yb.ports = []
        state.upsert(yb)
        var r = Reachability()
        r.expectPeer(from: "x", to: "y/b", false)
        check([], r, state: state)
    }

    @Test func endPortRange() {
        let policy = NetworkPolicy(namespace: "x", name: "range", podSelector: .everything, ingress: [PolicyRule(
            peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))], ports: [tcp(80, end: 81)])])
        var r = Reachability()
        r.expectPeer(from: "x", to: "x", false)
        r.expectPeer(from: "z", to: "x", false)
        check([policy], r, .tcp, 80)
        check([policy], r, .tcp, 81)
        var udp = Reachability()
        udp.expectAllIngress(to: "x", false)
        check([policy], udp, .udp, 80)
        let upper = NetworkPolicy(namespace: "x", name: "range", podSelector: .everything, ingress: [PolicyRule(ports: [tcp(81, end: 82)])])
        check([upper], Reachability(), .tcp, 81)
        var below = Reachability()
        below.expectAllIngress(to: "x", false)
        check([upper], below, .tcp, 80)
    }

    @Test func severalPortsInOneRule() {
        let policy = NetworkPolicy(namespace: "x", name: "ports", podSelector: .everything, ingress: [PolicyRule(
            ports: [tcp(80), tcp(83, end: 90), udp(81), tcp(81), PolicyPort(proto: .sctp), PolicyPort(proto: .sctp, port: .number(9))])])
        for (proto, port) in [(TransportProtocol.tcp, 80), (.tcp, 81), (.tcp, 85), (.udp, 81), (.sctp, 4000)] {
            check([policy], Reachability(), proto, port)
        }
        var denied = Reachability()
        denied.expectAllIngress(to: "x", false)
        for (proto, port) in [(TransportProtocol.tcp, 82), (.tcp, 91), (.udp, 80)] {
            check([policy], denied, proto, port)
        }
    }

    @Test func multiplePoliciesUnionAndDecidingRule() {
        let fromY80 = NetworkPolicy(namespace: "x", name: "allow-y-80", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(
            peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))], ports: [tcp(80)])])
        let fromZ = NetworkPolicy(namespace: "x", name: "allow-z", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(
            peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "z"]))])])
        var r80 = Reachability()
        r80.expectPeer(from: "x", to: "x/a", false)
        check([fromY80, fromZ], r80, .tcp, 80)
        var r81 = r80
        r81.expectPeer(from: "y", to: "x/a", false)
        check([fromY80, fromZ], r81, .tcp, 81)

        let state = E2EFixture(policies: [fromY80, fromZ]).state
        let fromZ80 = Connection(from: E2EFixture.ip("z", "b"), to: E2EFixture.ip("x", "a"), proto: .tcp, port: 80)
        #expect(PolicyEvaluator(state).evaluate(fromZ80).ingress == .allowed(by: PolicyRuleRef(policy: fromZ.ref, direction: .ingress, ruleIndex: 0)))
        let fromX = Connection(from: E2EFixture.ip("x", "b"), to: E2EFixture.ip("x", "a"), proto: .tcp, port: 80)
        #expect(PolicyEvaluator(state).evaluate(fromX).ingress == .denied(isolatedBy: [fromY80.ref, fromZ.ref]))
        #expect(PolicyCompiler().compile(state).trace(fromX).ingress == .denied(isolatedBy: [fromY80.ref, fromZ.ref]))
    }

    @Test func policyTypesInferredFromEgressRules() {
        // No policyTypes and egress rules: Ingress and Egress both apply (no ingress rules: deny).
        let policy = NetworkPolicy(namespace: "x", name: "inferred", podSelector: .everything, egress: [PolicyRule(
            peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))])])
        #expect(policy.policyTypes == [.ingress, .egress])
        var r = Reachability()
        r.expectAllIngress(to: "x", false)
        r.expectAllEgress(from: "x", false)
        r.expectPeer(from: "x", to: "y", true)
        check([policy], r)

        // Ingress rules only, no policyTypes: egress is not isolated.
        let ingressOnly = NetworkPolicy(namespace: "x", name: "ingress-only", podSelector: .everything, ingress: [PolicyRule(
            peers: [.pods(podSelector: selector(), namespaceSelector: nil)])])
        #expect(ingressOnly.policyTypes == [.ingress])
        var r2 = Reachability()
        r2.expectPeer(from: "y", to: "x", false)
        r2.expectPeer(from: "z", to: "x", false)
        check([ingressOnly], r2)

        // Declared Egress only: ingress rules are ignored.
        let declared = NetworkPolicy(namespace: "x", name: "egress-declared", podSelector: .everything,
                                     ingress: [PolicyRule()], policyTypes: [.egress])
        var r3 = Reachability()
        r3.expectAllEgress(from: "x", false)
        check([declared], r3)
    }

    @Test func egressToDNSOnly() {
        let policy = NetworkPolicy(namespace: "x", name: "dns-only", podSelector: .everything,
                                   egress: [PolicyRule(ports: [udp(53), tcp(53)])], policyTypes: [.egress])
        check([policy], Reachability(), .udp, 53)
        check([policy], Reachability(), .tcp, 53)
        var r = Reachability()
        r.expectAllEgress(from: "x", false)
        check([policy], r, .tcp, 80)
        check([policy], r, .udp, 80)
    }

    @Test func sctpOnlyPolicyStillIsolatesTCP() {
        let policy = NetworkPolicy(namespace: "x", name: "sctp-80", podSelector: .everything,
                                   ingress: [PolicyRule(ports: [PolicyPort(proto: .sctp, port: .number(80))])])
        check([policy], Reachability(), .sctp, 80)
        var r = Reachability()
        r.expectAllIngress(to: "x", false)
        check([policy], r, .tcp, 80)
    }

    @Test func egressOfTheSenderAndIngressOfTheReceiverMustBothAllow() {
        let denyEgress = NetworkPolicy(namespace: "y", name: "deny-egress-b", podSelector: selector(["pod": "b"]), policyTypes: [.egress])
        let allowIngress = NetworkPolicy(namespace: "x", name: "allow-from-y", podSelector: .everything, ingress: [PolicyRule(
            peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))])])
        var r = Reachability()
        r.expectAllEgress(from: "y/b", false)
        r.expectPeer(from: "x", to: "x", false)
        r.expectPeer(from: "z", to: "x", false)
        check([denyEgress, allowIngress], r)
    }

    @Test func podLabelChange() {
        let policy = NetworkPolicy(namespace: "x", name: "allow-b", podSelector: selector(["pod": "a"]),
                                   ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)])])
        var state = E2EFixture(policies: [policy]).state
        var r = Reachability()
        r.expectAllIngress(to: "x/a", false)
        r.expect(from: "x/b", to: "x/a", true)
        check([], r, state: state)
        state.upsert(E2EFixture.pod("x", "c", labels: ["pod": "b"]))
        r.expect(from: "x/c", to: "x/a", true)
        check([], r, state: state)
        // The target loses its label: no longer isolated.
        state.upsert(E2EFixture.pod("x", "a", labels: ["pod": "a-renamed"]))
        check([], Reachability(), state: state)
    }

    @Test func namespaceLabelChange() {
        let policy = NetworkPolicy(namespace: "x", name: "allow-ns-y", podSelector: .everything,
                                   ingress: [PolicyRule(peers: [.pods(podSelector: nil, namespaceSelector: selector(["ns": "y"]))])])
        var state = E2EFixture(policies: [policy]).state
        var r = Reachability()
        r.expectPeer(from: "x", to: "x", false)
        r.expectPeer(from: "z", to: "x", false)
        check([], r, state: state)
        state.upsert(Namespace(name: "z", labels: ["ns": "y"]))
        r.expectPeer(from: "z", to: "x", true)
        check([], r, state: state)
    }

    @Test func outsideAddresses() {
        let policy = NetworkPolicy(namespace: "x", name: "from-docs-net", podSelector: .everything,
                                   ingress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("192.0.2.0/24")!, except: [CIDR("192.0.2.128/25")!]))])],
                                   egress: [PolicyRule(peers: [.ipBlock(IPBlock(cidr: CIDR("0.0.0.0/0")!, except: [CIDR("198.51.100.0/24")!]))])])
        let state = E2EFixture(policies: [policy]).state
        let evaluator = PolicyEvaluator(state), program = PolicyCompiler().compile(state)
        let cases: [(String, String, Bool)] = [
            ("192.0.2.1", "10.244.1.10", true), ("192.0.2.200", "10.244.1.10", false), ("203.0.113.1", "10.244.1.10", false),
            ("10.244.1.10", "203.0.113.1", true), ("10.244.1.10", "198.51.100.7", false), ("192.0.2.1", "10.244.2.10", true),
        ]
        for (from, to, allowed) in cases {
            let connection = Connection(from: IPAddress(from)!, to: IPAddress(to)!, proto: .tcp, port: 443)
            #expect(evaluator.evaluate(connection).allowed == allowed, "\(connection)")
            #expect(program.trace(connection) == evaluator.evaluate(connection), "\(connection)")
        }
    }
}
