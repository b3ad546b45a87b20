import NetworkPolicy
import PolicyDataplane

/// The Kubernetes e2e netpol world: namespaces x, y, z (label `ns=<name>`), pods a, b, c in
/// each (label `pod=<name>`), serving TCP and UDP on 80 and 81 with ports named
/// `serve-80-tcp`, `serve-80-udp`, `serve-81-tcp`, `serve-81-udp`.
struct E2EFixture {
    static let namespaceNames = ["x", "y", "z"]
    static let podNames = ["a", "b", "c"]
    /// Pod `x/a` is 10.244.1.10 (x=1, y=2, z=3; a=10, b=11, c=12) and fd00:244:1::10.
    static func ip(_ namespace: String, _ pod: String) -> IPAddress {
        let n = namespaceNames.firstIndex(of: namespace)! + 1
        let p = podNames.firstIndex(of: pod)! + 10
        return IPAddress("10.244.\(n).\(p)")!
    }

    static func ip6(_ namespace: String, _ pod: String) -> IPAddress {
        let n = namespaceNames.firstIndex(of: namespace)! + 1
        let p = podNames.firstIndex(of: pod)! + 10
        return IPAddress("fd00:244:\(n)::\(p)")!
    }

    static var servedPorts: [ContainerPort] {
        [80, 81].flatMap { port in
            [TransportProtocol.tcp, .udp].map { ContainerPort(name: "serve-\(port)-\($0.nftName)", port: port, proto: $0) }
        }
    }

    static func pod(_ namespace: String, _ name: String, labels: Labels? = nil) -> Pod {
        Pod(namespace: namespace, name: name, labels: labels ?? ["pod": name], ips: [ip(namespace, name), ip6(namespace, name)], ports: servedPorts)
    }

    var state: ClusterState

    init(policies: [NetworkPolicy] = []) {
        state = ClusterState(
            namespaces: Self.namespaceNames.map { Namespace(name: $0, labels: ["ns": $0]) },
            pods: Self.namespaceNames.flatMap { ns in Self.podNames.map { Self.pod(ns, $0) } },
            policies: policies)
    }

    static var allPods: [String] { namespaceNames.flatMap { ns in podNames.map { "\(ns)/\($0)" } } }
}

/// A reachability truth table in the style of the e2e suite: all pairs allowed by default,
/// then overridden. Keys are `ns/pod`; loopback (a pod to itself) is never compared.
struct Reachability {
    private(set) var expected: [String: [String: Bool]] = [:]
    let pods: [String]

    init(default value: Bool = true, pods: [String] = E2EFixture.allPods) {
        self.pods = pods
        for from in pods { for to in pods { expected[from, default: [:]][to] = value } }
    }

    mutating func expect(from: String, to: String, _ value: Bool) { expected[from]![to] = value }

    /// Every pair whose source matches `from` and destination matches `to` (`x` = namespace x,
    /// `x/a` = one pod, `*` = all).
    mutating func expectPeer(from: String, to: String, _ value: Bool) {
        for f in pods where Self.matches(f, from) { for t in pods where Self.matches(t, to) { expected[f]![t] = value } }
    }

    mutating func expectAllIngress(to: String, _ value: Bool) { expectPeer(from: "*", to: to, value) }
    mutating func expectAllEgress(from: String, _ value: Bool) { expectPeer(from: from, to: "*", value) }

    static func matches(_ pod: String, _ pattern: String) -> Bool {
        pattern == "*" || pod == pattern || pod.hasPrefix(pattern + "/")
    }

    func table(_ value: (String, String) -> Bool) -> String {
        var lines = ["from\\to " + pods.joined(separator: " ")]
        for f in pods {
            lines.append(f + "     " + pods.map { t in f == t ? " . " : (value(f, t) ? " X " : " - ") }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Probes every pair with the evaluator (oracle) and with the compiled program, and returns a
/// description of every difference from `expected` (empty when all agree).
func probeMismatches(
    _ state: ClusterState, _ reachability: Reachability, proto: TransportProtocol, port: Int, ipv6: Bool = false
) -> [String] {
    let evaluator = PolicyEvaluator(state)
    let program = PolicyCompiler().compile(state)
    var problems: [String] = []
    var observed: [String: Bool] = [:]
    for from in reachability.pods {
        for to in reachability.pods where from != to {
            let f = ObjectRef(parsing: from), t = ObjectRef(parsing: to)
            let connection = Connection(
                from: ipv6 ? E2EFixture.ip6(f.namespace, f.name) : E2EFixture.ip(f.namespace, f.name),
                to: ipv6 ? E2EFixture.ip6(t.namespace, t.name) : E2EFixture.ip(t.namespace, t.name), proto: proto, port: port)
            let oracle = evaluator.evaluate(connection)
            let compiled = program.trace(connection)
            observed[from + ">" + to] = oracle.allowed
            if oracle.allowed != reachability.expected[from]![to]! {
                problems.append("\(from) -> \(to) \(proto.rawValue)/\(port): evaluator says \(oracle), expected \(reachability.expected[from]![to]! ? "allow" : "drop")")
            }
            if compiled != oracle {
                problems.append("\(from) -> \(to) \(proto.rawValue)/\(port): compiled program says \(compiled), evaluator \(oracle)")
            }
        }
    }
    if !problems.isEmpty {
        problems.append("expected:\n" + reachability.table { reachability.expected[$0]![$1]! })
        problems.append("observed:\n" + reachability.table { observed[$0 + ">" + $1] ?? false })
    }
    return problems
}

// MARK: - Building policies tersely

func selector(_ labels: Labels = [:], _ expressions: [LabelSelector.Requirement] = []) -> LabelSelector {
    LabelSelector(matchLabels: labels, matchExpressions: expressions)
}

func tcp(_ port: Int, end: Int? = nil) -> PolicyPort { PolicyPort(proto: .tcp, port: .number(port), endPort: end) }
func udp(_ port: Int) -> PolicyPort { PolicyPort(proto: .udp, port: .number(port)) }
func named(_ name: String, _ proto: TransportProtocol = .tcp) -> PolicyPort { PolicyPort(proto: proto, port: .named(name)) }
