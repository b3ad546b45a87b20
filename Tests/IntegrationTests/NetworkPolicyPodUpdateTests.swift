import Foundation
import NetworkPolicy
import Testing
import JSONSupport

/// The pods-only path of `cnictl policy apply FOLDER` on a real node: after a pod manifest is
/// rewritten, removed or added, apply sends only element changes (no compile, no read-back),
/// the live table is then exactly what a full compile gives (`apply --dry-run` plans nothing),
/// and traffic follows the evaluator; a policy change or a table changed behind cnictl's back
/// takes the full path.
@Suite("NetworkPolicy pods-only apply", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NetworkPolicyPodUpdateTests {
    static var policies: [[String: Any]] { [
        NetworkPolicyReachabilityTests.policy("x", "deny-ingress", ["podSelector": [:] as [String: Any]]),
        NetworkPolicyReachabilityTests.policy("x", "allow-b-to-a", [
            "podSelector": NetworkPolicyReachabilityTests.labels(["pod": "a"]),
            "ingress": [["from": [["podSelector": NetworkPolicyReachabilityTests.labels(["pod": "b"])]], "ports": [["port": "serve-80-tcp"]]]],
        ]),
    ] }

    /// The file `PolicyLab.writeManifests` wrote for `pod`.
    static func podFile(_ lab: PolicyLab, _ pod: String) -> String {
        "\(lab.dir)/manifests/10-pod-\(PolicyLab.allPods.firstIndex(of: pod)!).json"
    }

    /// Rewrites one pod's manifest with `lab.podLabels` (nothing else changes).
    static func rewritePod(_ lab: PolicyLab, _ pod: String) throws {
        let object = lab.podObjects()[PolicyLab.allPods.firstIndex(of: pod)!]
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: podFile(lab, pod)))
    }

    /// What the evaluator sees now: the manifest folder decoded, every lab pod with its
    /// address (all are in the CNI cache; one without a manifest has no labels).
    static func currentState(_ lab: PolicyLab) throws -> ClusterState {
        let folder = "\(lab.dir)/manifests"
        var objects = ManifestObjects()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))
            objects.append(try ManifestDecoder(source: name).decode(try JSONParser.parse(String(decoding: data, as: UTF8.self))))
        }
        var state = objects.clusterState
        for pod in PolicyLab.allPods {
            let ref = ObjectRef(parsing: pod)
            var model = state.pods[ref] ?? Pod(namespace: ref.namespace, name: ref.name)
            model.ips = [IPAddress(PolicyLab.ip(pod))!]
            state.upsert(model)
        }
        return state
    }

    /// Apply must take the pods-only path (or not), leave nothing for a full compile to
    /// change, and traffic to and from x must follow the evaluator.
    func expectApplied(_ lab: PolicyLab, podsOnly: Bool, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stderr = try lab.apply()
        #expect(stderr.contains("pods-only update") == podsOnly, "\(what): \(stderr)", sourceLocation: sourceLocation)
        let plan = try lab.cnictl(["apply", "--dry-run", "\(lab.dir)/manifests"])
        #expect(plan.status == 0 && plan.stderr.contains("incremental update of 0 commands"), "\(what): dry-run plans \(plan.stdout) \(plan.stderr)",
                sourceLocation: sourceLocation)
        let state = try Self.currentState(lab)
        let sources = ["x/a", "x/b", "x/c", "y/a"], destinations = ["x/a", "x/b", "x/c"]
        let observed = try lab.probe(proto: "tcp", port: 80, from: sources, to: destinations)
        let expected = PolicyLab.expected(state, proto: "tcp", port: 80, pairs: Array(observed.keys))
        let problems = PolicyLab.mismatches(observed: observed, expected: expected)
        #expect(problems.isEmpty, "\(what):\n\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    @Test func podChangesTakeThePodsOnlyPathAndMatchAFullCompile() throws {
        try PolicyLab.with { lab in
            let initial = try lab.writeManifests(Self.policies)
            try expectApplied(lab, podsOnly: false, "first apply")
            #expect(PolicyLab.expected(initial, proto: "tcp", port: 80, pairs: ["x/b>x/a", "x/c>x/a"]) == ["x/b>x/a": true, "x/c>x/a": false])

            // x/c joins the pod=b peer set (its chain, x/deny-ingress alone, exists).
            lab.podLabels["x/c"] = ["pod": "b"]
            try Self.rewritePod(lab, "x/c")
            try expectApplied(lab, podsOnly: true, "x/c relabelled pod=b")
            #expect(PolicyLab.expected(try Self.currentState(lab), proto: "tcp", port: 80, pairs: ["x/c>x/a"]) == ["x/c>x/a": true])

            // x/b becomes pod=a: the chain of x/a (deny-ingress + allow-b-to-a) now decides it.
            lab.podLabels["x/b"] = ["pod": "a"]
            try Self.rewritePod(lab, "x/b")
            try expectApplied(lab, podsOnly: true, "x/b relabelled pod=a")

            // x/c's manifest removed: the pod stays known from the CNI cache, without labels.
            try FileManager.default.removeItem(atPath: Self.podFile(lab, "x/c"))
            try expectApplied(lab, podsOnly: true, "x/c manifest removed")

            // ... and dropped into the folder again.
            lab.podLabels["x/c"] = ["pod": "c"]
            try Self.rewritePod(lab, "x/c")
            try expectApplied(lab, podsOnly: true, "x/c manifest added")

            // A policy file changes: full compile.
            let extra = NetworkPolicyReachabilityTests.policy("x", "allow-c", [
                "podSelector": NetworkPolicyReachabilityTests.labels(["pod": "c"]),
                "ingress": [["from": [["podSelector": NetworkPolicyReachabilityTests.labels(["pod": "a"])]]]],
            ])
            try JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys]).write(to: URL(fileURLWithPath: "\(lab.dir)/manifests/30-extra.json"))
            try expectApplied(lab, podsOnly: false, "policy added")

            // The table changed behind cnictl's back (a chain added): the state file is not
            // trusted, the full path runs (and removes the stray chain).
            try lab.node.run(["nft", "add", "chain", "inet", "swcni_netpol", "stray"])
            lab.podLabels["x/b"] = ["pod": "a", "extra": "1"]  // still the chain of x/a: pods-only if it were trusted
            try Self.rewritePod(lab, "x/b")
            let stderr = try lab.apply()
            #expect(stderr.contains("changed since the last apply") && !stderr.contains("pods-only"), "\(stderr)")
            let chains = try lab.node.run(["nft", "list", "chains", "inet"])
            #expect(!chains.contains("stray"), "\(chains)")
            try expectApplied(lab, podsOnly: true, "nothing changed (an empty pods-only update)")

            // policy delete removes the state file with the table.
            let stateFiles = try FileManager.default.contentsOfDirectory(atPath: "\(lab.dir)/state")
            #expect(stateFiles.count == 1, "\(stateFiles)")
            #expect(try lab.cnictl(["delete"]).status == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(lab.dir)/state").isEmpty)
        }
    }
}
