import Foundation
import NetworkPolicy
import Testing

/// The e2e netpol reachability matrix on a real node: pods attached by `cnictl add` with the
/// reference bridge plugin, policies applied by `cnictl policy apply`, every (from, to) pair
/// probed over TCP or UDP and compared with the evaluator's truth table for the same
/// manifests. One lab (node, 9 pods, outside namespace) serves all cases in turn.
@Suite("NetworkPolicy reachability matrix", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NetworkPolicyReachabilityTests {
    // MARK: Policy builders (manifest objects)

    static func policy(_ namespace: String, _ name: String, _ spec: [String: Any]) -> [String: Any] {
        ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": name, "namespace": namespace], "spec": spec]
    }

    static func labels(_ pairs: [String: String]) -> [String: Any] { ["matchLabels": pairs] }
    static func expression(_ key: String, _ op: String, _ values: [String] = []) -> [String: Any] {
        values.isEmpty ? ["key": key, "operator": op] : ["key": key, "operator": op, "values": values]
    }

    /// Applies `policies`, probes each (protocol, port) and compares with the evaluator.
    /// `sanity` pairs must come out as given (guards against an evaluator that agrees with a
    /// broken dataplane by being wrong the same way).
    func expectMatrix(_ lab: PolicyLab, _ policies: [[String: Any]], probes: [(String, Int)],
                      sanity: [(String, String, Int, Bool)] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let state = try lab.writeManifests(policies)
        try lab.apply()
        try expectProbes(lab, state, probes: probes, sanity: sanity, sourceLocation: sourceLocation)
    }

    func expectProbes(_ lab: PolicyLab, _ state: ClusterState, probes: [(String, Int)],
                      sanity: [(String, String, Int, Bool)] = [], overIPv6: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (proto, port) in probes {
            let observed = overIPv6
                ? try lab.probe(proto: proto, port: port, from: PolicyLab.allPods, to: PolicyLab.allPods, overIPv6: true)
                : try lab.probe(proto: proto, port: port)
            let expected = PolicyLab.expected(state, proto: proto, port: port, pairs: Array(observed.keys), overIPv6: overIPv6)
            let problems = PolicyLab.mismatches(observed: observed, expected: expected)
            #expect(problems.isEmpty, "\(proto)/\(port):\n\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
            for (pair, p, sanityPort, value) in sanity where p == proto && sanityPort == port {
                #expect(expected[pair] == value, "oracle says \(pair) \(proto)/\(port) = \(String(describing: expected[pair]))", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func reachabilityMatrix() throws {
        try PolicyLab.with { lab in
            // No policy: everything connects.
            try expectMatrix(lab, [], probes: [("tcp", 80), ("udp", 81)], sanity: [("x/a>y/b", "tcp", 80, true), ("ext>x/a", "tcp", 80, true)])

            // Default deny ingress in x; replies of x's own connections still return.
            try expectMatrix(lab, [Self.policy("x", "deny-ingress", ["podSelector": [:] as [String: Any]])], probes: [("tcp", 80), ("udp", 81)],
                             sanity: [("y/a>x/b", "tcp", 80, false), ("x/a>y/b", "tcp", 80, true), ("ext>x/a", "udp", 81, false)])

            // Default deny egress in x.
            try expectMatrix(lab, [Self.policy("x", "deny-egress", ["podSelector": [:] as [String: Any], "policyTypes": ["Egress"]])],
                             probes: [("tcp", 80), ("udp", 80)], sanity: [("x/a>y/b", "tcp", 80, false), ("y/b>x/a", "tcp", 80, true)])

            // Default deny both.
            try expectMatrix(lab, [Self.policy("x", "deny-all", ["podSelector": [:] as [String: Any], "policyTypes": ["Ingress", "Egress"]])],
                             probes: [("tcp", 81)], sanity: [("x/a>y/b", "tcp", 81, false), ("y/b>x/a", "tcp", 81, false), ("y/b>z/a", "tcp", 81, true)])

            // Allow all on top of deny all.
            try expectMatrix(lab, [
                Self.policy("x", "deny-all", ["podSelector": [:] as [String: Any], "policyTypes": ["Ingress", "Egress"]]),
                Self.policy("x", "allow-all", ["podSelector": [:] as [String: Any], "ingress": [[:] as [String: Any]], "egress": [[:] as [String: Any]]]),
            ], probes: [("tcp", 80)], sanity: [("x/a>y/b", "tcp", 80, true), ("y/b>x/a", "tcp", 80, true)])
        }
    }

    /// Dual-stack pods: the same policies hold over IPv6 (sets and maps per family, neighbour
    /// discovery accepted before dispatch, IPv6 ipBlocks).
    @Test func dualStack() throws {
        try PolicyLab.with(ipv6: true) { lab in
            let policies = [
                Self.policy("x", "deny-ingress", ["podSelector": [:] as [String: Any]]),
                Self.policy("x", "allow-b", ["podSelector": Self.labels(["pod": "a"]), "ingress": [["from": [["podSelector": Self.labels(["pod": "b"])]]]]]),
                Self.policy("y", "egress-v6-block", ["podSelector": Self.labels(["pod": "a"]), "policyTypes": ["Egress"], "egress": [["to": [
                    ["ipBlock": ["cidr": "fd00:244::/64", "except": ["fd00:244::3:0/112"]]],
                    ["ipBlock": ["cidr": "10.244.0.0/16"]],
                ]]]]),
            ]
            let state = try lab.writeManifests(policies)
            try lab.apply()
            let sanity: [(String, String, Int, Bool)] = [
                ("x/b>x/a", "tcp", 80, true), ("y/b>x/a", "tcp", 80, false), ("x/a>y/b", "tcp", 80, true),
                ("y/a>z/a", "tcp", 80, false), ("y/a>z/a", "udp", 81, false), ("y/a>x/c", "udp", 81, false), ("y/a>y/b", "tcp", 80, true),
            ]
            try expectProbes(lab, state, probes: [("tcp", 80), ("udp", 81)], sanity: sanity, overIPv6: true)
            try expectProbes(lab, state, probes: [("tcp", 80)])
        }
    }

    @Test func selectors() throws {
        try PolicyLab.with { lab in
            // podSelector alone (server namespace only).
            try expectMatrix(lab, [Self.policy("x", "allow-b", ["podSelector": Self.labels(["pod": "a"]),
                                                               "ingress": [["from": [["podSelector": Self.labels(["pod": "b"])]]]]])],
                             probes: [("tcp", 80)], sanity: [("x/b>x/a", "tcp", 80, true), ("y/b>x/a", "tcp", 80, false)])
            // namespaceSelector alone.
            try expectMatrix(lab, [Self.policy("x", "allow-ns-y", ["podSelector": Self.labels(["pod": "a"]),
                                                                  "ingress": [["from": [["namespaceSelector": Self.labels(["ns": "y"])]]]]])],
                             probes: [("tcp", 80)], sanity: [("y/c>x/a", "tcp", 80, true), ("x/b>x/a", "tcp", 80, false)])
            // Both in one peer (AND), with matchExpressions.
            try expectMatrix(lab, [Self.policy("x", "and", ["podSelector": Self.labels(["pod": "a"]), "ingress": [["from": [[
                "namespaceSelector": ["matchExpressions": [Self.expression("ns", "NotIn", ["x"])]],
                "podSelector": ["matchExpressions": [Self.expression("pod", "In", ["b", "c"])]],
            ]]]]])], probes: [("tcp", 80)], sanity: [("y/b>x/a", "tcp", 80, true), ("y/a>x/a", "tcp", 80, false), ("x/b>x/a", "tcp", 80, false)])
            // Separate peers (OR), Exists / DoesNotExist.
            try expectMatrix(lab, [Self.policy("x", "or", ["podSelector": ["matchExpressions": [Self.expression("pod", "Exists")]], "ingress": [["from": [
                ["namespaceSelector": ["matchExpressions": [Self.expression("ns", "In", ["z"])]]],
                ["podSelector": ["matchExpressions": [Self.expression("pod", "NotIn", ["a", "b"])]]],
                ["podSelector": ["matchExpressions": [Self.expression("pod", "DoesNotExist")]], "namespaceSelector": [:] as [String: Any]],
            ]]]])], probes: [("udp", 80)], sanity: [("z/a>x/b", "udp", 80, true), ("x/c>x/a", "udp", 80, true), ("y/c>x/a", "udp", 80, false)])
        }
    }

    @Test func ipBlocksPortsAndMultiplePolicies() throws {
        try PolicyLab.with { lab in
            // ipBlock with except, egress to pods and outside; ingress from outside.
            try expectMatrix(lab, [Self.policy("x", "cidr", [
                "podSelector": Self.labels(["pod": "a"]),
                "egress": [["to": [["ipBlock": ["cidr": "10.244.0.0/16", "except": ["10.244.2.0/24", "10.244.3.12/32"]]],
                                   ["ipBlock": ["cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]]]]]],
                "ingress": [["from": [["ipBlock": ["cidr": "192.0.2.0/28"]]]]],
            ])], probes: [("tcp", 80)], sanity: [("x/a>y/a", "tcp", 80, false), ("x/a>z/c", "tcp", 80, false), ("x/a>z/b", "tcp", 80, true),
                                                 ("x/a>192.0.2.10", "tcp", 80, true), ("x/a>192.0.2.200", "tcp", 80, false),
                                                 ("ext>x/a", "tcp", 80, true), ("y/a>x/a", "tcp", 80, false)])
            // Named ports (ingress: against the receiving pod; egress: against the destination).
            try expectMatrix(lab, [
                Self.policy("x", "named-in", ["podSelector": [:] as [String: Any], "ingress": [["ports": [["port": "serve-81-tcp"]]]]]),
                Self.policy("y", "named-out", ["podSelector": [:] as [String: Any], "policyTypes": ["Egress"],
                                               "egress": [["ports": [["port": "serve-80-udp", "protocol": "UDP"]]]]]),
            ], probes: [("tcp", 81), ("tcp", 80), ("udp", 80)],
               sanity: [("z/a>x/a", "tcp", 81, true), ("z/a>x/a", "tcp", 80, false), ("y/a>z/a", "udp", 80, true), ("y/a>z/a", "tcp", 80, false),
                        ("y/a>192.0.2.10", "udp", 80, false)])
            // Several ports in one rule (one nftables rule per protocol, interval sets).
            try expectMatrix(lab, [Self.policy("z", "ports", ["podSelector": [:] as [String: Any], "ingress": [["ports": [
                ["port": 80], ["port": 53, "endPort": 60], ["port": 81, "protocol": "UDP"], ["port": 81, "protocol": "TCP"],
            ]]]])], probes: [("tcp", 81), ("udp", 80)], sanity: [("x/a>z/a", "tcp", 81, true), ("x/a>z/a", "udp", 80, false), ("x/a>y/a", "udp", 80, true)])
            // endPort, and two policies whose union decides.
            try expectMatrix(lab, [
                Self.policy("x", "range-from-y", ["podSelector": Self.labels(["pod": "a"]), "ingress": [[
                    "from": [["namespaceSelector": Self.labels(["ns": "y"])]], "ports": [["port": 80, "endPort": 81, "protocol": "TCP"]]]]]),
                Self.policy("x", "all-from-z", ["podSelector": Self.labels(["pod": "a"]), "ingress": [[
                    "from": [["namespaceSelector": Self.labels(["ns": "z"])]]]]]),
            ], probes: [("tcp", 80), ("tcp", 81), ("udp", 81)],
               sanity: [("y/a>x/a", "tcp", 81, true), ("y/a>x/a", "udp", 81, false), ("z/a>x/a", "udp", 81, true), ("x/b>x/a", "tcp", 80, false)])
        }
    }

    @Test func inferenceDNSAndLabelChanges() throws {
        try PolicyLab.with { lab in
            // policyTypes absent with egress rules: ingress isolated too (no ingress rules).
            try expectMatrix(lab, [Self.policy("x", "inferred", ["podSelector": [:] as [String: Any],
                                                                "egress": [["to": [["namespaceSelector": Self.labels(["ns": "y"])]]]]])],
                             probes: [("tcp", 80)], sanity: [("x/a>y/a", "tcp", 80, true), ("x/a>z/a", "tcp", 80, false), ("y/a>x/a", "tcp", 80, false)])
            // Egress to DNS only (UDP and TCP 53 anywhere).
            try expectMatrix(lab, [Self.policy("x", "dns-only", ["podSelector": [:] as [String: Any], "policyTypes": ["Egress"],
                                                                "egress": [["ports": [["port": 53, "protocol": "UDP"], ["port": 53, "protocol": "TCP"]]]]])],
                             probes: [("udp", 53), ("tcp", 53), ("tcp", 80)],
                             sanity: [("x/a>192.0.2.10", "udp", 53, true), ("x/a>y/b", "tcp", 53, true), ("x/a>y/b", "tcp", 80, false)])

            // Label changes on live pods and namespaces: incremental updates only.
            let policies = [
                Self.policy("x", "allow-b", ["podSelector": Self.labels(["pod": "a"]), "ingress": [["from": [["podSelector": Self.labels(["pod": "b"])]]]]]),
                Self.policy("y", "allow-ns-green", ["podSelector": [:] as [String: Any], "ingress": [["from": [["namespaceSelector": Self.labels(["color": "green"])]]]]]),
            ]
            try expectMatrix(lab, policies, probes: [("tcp", 80)], sanity: [("x/c>x/a", "tcp", 80, false), ("z/a>y/a", "tcp", 80, false)])
            lab.podLabels["x/c"] = ["pod": "b"]
            lab.namespaceLabels["z"] = ["ns": "z", "color": "green"]
            var state = try lab.writeManifests(policies)
            var report = try lab.apply()
            #expect(report.contains("incremental update"), "\(report)")
            try expectProbes(lab, state, probes: [("tcp", 80)], sanity: [("x/c>x/a", "tcp", 80, true), ("z/a>y/a", "tcp", 80, true)])
            // The target pod loses its label: no longer isolated.
            lab.podLabels["x/a"] = ["pod": "a2"]
            state = try lab.writeManifests(policies)
            report = try lab.apply()
            #expect(report.contains("incremental update"), "\(report)")
            try expectProbes(lab, state, probes: [("tcp", 80)], sanity: [("y/a>x/a", "tcp", 80, true)])
        }
    }
}
