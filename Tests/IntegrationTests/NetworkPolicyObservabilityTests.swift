import Foundation
import Testing

/// `cnictl policy` on a real node: YAML manifests, `explain` from the compiled state,
/// per-rule counters, drops read from nflog with the policy that dropped them, and removal.
@Suite("NetworkPolicy explain, counters and drops", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NetworkPolicyObservabilityTests {
    static let yamlPolicy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: allow-b-80
          namespace: x
        spec:
          podSelector:
            matchLabels:
              pod: a
          ingress:
          - from:
            - podSelector:
                matchLabels:
                  pod: b
            ports:
            - port: serve-80-tcp
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-egress, namespace: z}
        spec: {podSelector: {}, policyTypes: [Egress]}
        """

    func must(_ out: PluginExec.Output, _ what: String) throws -> String {
        guard out.status == 0 else { throw ShellError(command: what, output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)) }
        return out.stdout
    }

    @Test func yamlExplainCountersDropsAndDelete() throws {
        try PolicyLab.with { lab in
            try lab.writeManifests([])
            let yamlDir = "\(lab.dir)/yaml"
            try FileManager.default.createDirectory(atPath: yamlDir, withIntermediateDirectories: true)
            try Self.yamlPolicy.write(toFile: "\(yamlDir)/policies.yaml", atomically: true, encoding: .utf8)
            let folders = ["\(lab.dir)/manifests", yamlDir]
            let applied = try lab.cnictl(["apply"] + folders)
            _ = try must(applied, "policy apply")
            #expect(applied.stderr.contains("2 policies, 9 pods"), "\(applied.stderr)")

            let allowed = try must(try lab.cnictl(["explain", "--from", "x/b", "--to", "x/a", "--port", "80"] + folders), "explain")
            #expect(allowed.contains("10.244.1.11 -> 10.244.1.10 TCP/80: ALLOW"), "\(allowed)")
            #expect(allowed.contains("ingress of x/a: allowed by x/allow-b-80 ingress[0]"), "\(allowed)")
            #expect(allowed.contains("holds this compiled state"), "\(allowed)")
            let denied = try must(try lab.cnictl(["explain", "--from", "y/a", "--to", "x/a", "--port", "80"] + folders), "explain")
            #expect(denied.contains("DROP"), "\(denied)")
            #expect(denied.contains("ingress of x/a: denied (isolated by x/allow-b-80; no rule matches)"), "\(denied)")
            let egress = try must(try lab.cnictl(["explain", "--from", "z/c", "--to", "192.0.2.10", "--port", "53", "--protocol", "udp"] + folders), "explain")
            #expect(egress.contains("egress of z/c: denied (isolated by z/deny-egress; no rule matches)"), "\(egress)")
            // Explain notices a dataplane that no longer matches the manifests.
            let stale = try must(try lab.cnictl(["explain", "--from", "x/b", "--to", "x/a", "--port", "80", "\(lab.dir)/manifests"]), "explain")
            #expect(stale.contains("differs from these manifests"), "\(stale)")

            // Drops, live from nflog: start the listener, then get dropped.
            let listener = Process()
            listener.executableURL = URL(fileURLWithPath: TestEnvironment.binary("cnictl"))
            listener.arguments = ["policy", "drops", "--listen", "8", "--max", "1", "--netns", lab.node.path]
            let out = Pipe(), err = Pipe()
            listener.standardOutput = out
            listener.standardError = err
            try listener.run()
            defer { if listener.isRunning { kill(listener.processIdentifier, SIGKILL) } }
            let ready = String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
            #expect(ready.contains("listening to nflog group 7"), "\(ready)")
            let probe = try lab.probe(proto: "tcp", port: 80, from: ["y/a"], to: ["x/a"])
            #expect(probe["y/a>x/a"] == false)
            listener.waitUntilExit()
            let drops = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(listener.terminationStatus == 0)
            #expect(drops.contains("10.244.2.10:") && drops.contains(" -> 10.244.1.10:80 tcp: swcni-np DROP ingress x/allow-b-80"), "\(drops)")

            // Counters: the allowing rule and the drop rule counted packets.
            let reach = try lab.probe(proto: "tcp", port: 80, from: ["x/b"], to: ["x/a"])
            #expect(reach["x/b>x/a"] == true)
            let counters = try must(try lab.cnictl(["counters"]), "counters")
            #expect(counters.contains { _ in true } && counters.split(separator: "\n").contains { $0.hasSuffix("x/allow-b-80 ingress[0]") && !$0.hasPrefix("0 ") }, "\(counters)")
            let dropCounters = try must(try lab.cnictl(["drops"]), "drops")
            #expect(dropCounters.contains("(ingress, chain in_") && dropCounters.contains("drop: isolated by x/allow-b-80"), "\(dropCounters)")

            // Delete: no table, no policy.
            _ = try must(try lab.cnictl(["delete"]), "delete")
            #expect(!(try lab.node.run(["nft", "list", "tables"])).contains("swcni_netpol"))
            let open = try lab.probe(proto: "tcp", port: 80, from: ["y/a"], to: ["x/a"])
            #expect(open["y/a>x/a"] == true)
        }
    }
}
