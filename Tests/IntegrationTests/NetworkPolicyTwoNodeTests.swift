import Foundation
import NetworkPolicy
import Testing
import JSONSupport

/// Two nodes routed to each other (as over vxlan: pod traffic between nodes crosses each
/// node's forward hook as routed traffic), each with a bridge and two pods, each enforcing
/// the same manifests with `cnictl policy apply`. Pods are known from `status.podIP` (no
/// CNI cache). Every pair is probed and compared with the evaluator.
@Suite("NetworkPolicy across two nodes", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NetworkPolicyTwoNodeTests {
    static let pods = ["x/a": "10.244.1.10", "x/b": "10.244.1.11", "y/a": "10.244.2.10", "y/b": "10.244.2.11"]

    @Test func policiesHoldBetweenNodes() throws {
        let dir = try TestEnvironment.makeTempDir("np2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var namespaces: [TestNamespace] = []
        var servers: [Process] = []
        var parents: [Pipe] = []
        defer {
            for server in servers where server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
            namespaces.forEach { $0.remove() }
        }
        let node1 = try TestNamespace(prefix: "npn1"), node2 = try TestNamespace(prefix: "npn2")
        namespaces += [node1, node2]
        try node1.run(["ip", "link", "add", "uplink", "type", "veth", "peer", "name", "uplink", "netns", node2.name])
        for (index, node) in [node1, node2].enumerated() {
            let n = index + 1, other = 2 - index
            try node.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            try node.run(["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"])
            try node.run(["ip", "addr", "add", "192.168.77.\(n)/24", "dev", "uplink"])
            try node.run(["ip", "link", "set", "uplink", "up"])
            try node.run(["ip", "link", "add", "br0", "type", "bridge"])
            try node.run(["ip", "addr", "add", "10.244.\(n).1/24", "dev", "br0"])
            try node.run(["ip", "link", "set", "br0", "up"])
            try node.run(["ip", "route", "add", "10.244.\(other).0/24", "via", "192.168.77.\(other)"])
        }
        try PolicyLab.script(policyLabServerScript, "\(dir)/server.py")
        try PolicyLab.script(policyLabProbeScript, "\(dir)/probe.py")
        var podNS: [String: TestNamespace] = [:]
        for (pod, ip) in Self.pods.sorted(by: { $0.key < $1.key }) {
            let node = pod.hasPrefix("x/") ? node1 : node2
            let ns = try TestNamespace(prefix: "np2p")
            namespaces.append(ns)
            podNS[pod] = ns
            let host = "v" + String(ns.name.suffix(12))
            try node.run(["ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns.name])
            try node.run(["ip", "link", "set", host, "master", "br0", "up"])
            try ns.run(["ip", "addr", "add", ip + "/24", "dev", "eth0"])
            try ns.run(["ip", "link", "set", "eth0", "up"])
            try ns.run(["ip", "link", "set", "lo", "up"])
            try ns.run(["ip", "route", "add", "default", "via", pod.hasPrefix("x/") ? "10.244.1.1" : "10.244.2.1"])
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["ip", "netns", "exec", ns.name, PolicyLab.python, "\(dir)/server.py", "80"]
            let out = Pipe(), parent = Pipe()
            server.standardOutput = out
            server.standardError = FileHandle.nullDevice
            server.standardInput = parent  // the server exits when this process is gone
            parents.append(parent)
            try server.run()
            servers.append(server)
            _ = out.fileHandleForReading.availableData  // "ready"
        }

        let manifests = """
            {"kind":"List","items":[
             {"kind":"Namespace","metadata":{"name":"x","labels":{"ns":"x"}}},
             {"kind":"Namespace","metadata":{"name":"y","labels":{"ns":"y"}}},
             {"kind":"Pod","metadata":{"name":"a","namespace":"x","labels":{"pod":"a"}},"status":{"podIP":"10.244.1.10"}},
             {"kind":"Pod","metadata":{"name":"b","namespace":"x","labels":{"pod":"b"}},"status":{"podIP":"10.244.1.11"}},
             {"kind":"Pod","metadata":{"name":"a","namespace":"y","labels":{"pod":"a"}},"status":{"podIP":"10.244.2.10"}},
             {"kind":"Pod","metadata":{"name":"b","namespace":"y","labels":{"pod":"b"}},"status":{"podIP":"10.244.2.11"}},
             {"kind":"NetworkPolicy","metadata":{"name":"from-y-b","namespace":"x"},"spec":{"podSelector":{"matchLabels":{"pod":"a"}},
              "ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"ns":"y"}},"podSelector":{"matchLabels":{"pod":"b"}}}]}]}},
             {"kind":"NetworkPolicy","metadata":{"name":"a-egress-to-x-only","namespace":"y"},"spec":{"podSelector":{"matchLabels":{"pod":"a"}},
              "policyTypes":["Egress"],"egress":[{"to":[{"namespaceSelector":{"matchLabels":{"ns":"x"}}}]}]}}
            ]}
            """
        try manifests.write(toFile: "\(dir)/world.json", atomically: true, encoding: .utf8)
        for node in [node1, node2] {
            let out = try CnictlRun.run(["policy", "apply", "--netns", node.path, "--cache-dir", "\(dir)/no-cache", "--lock-file", "\(dir)/lock", "--state-dir", "\(dir)/state", "\(dir)/world.json"])
            #expect(out.status == 0, "\(out.stderr)")
        }
        let state = try ManifestDecoder(source: "world.json").decode(try JSONParser.parse(manifests)).clusterState
        let evaluator = PolicyEvaluator(state)
        var expectedDenied = 0
        for (from, _) in Self.pods.sorted(by: { $0.key < $1.key }) {
            let targets = Self.pods.keys.sorted().filter { $0 != from }
            let out = try Shell.run(["ip", "netns", "exec", podNS[from]!.name, PolicyLab.python, "\(dir)/probe.py", PolicyLab.probeTimeout]
                                    + targets.map { "tcp,\(Self.pods[$0]!),80" })
            let observed = out.stdout.split(separator: "\n").map { $0 == "1" }
            #expect(observed.count == targets.count, "\(out.stderr)")
            for (target, connected) in zip(targets, observed) {
                let expected = evaluator.evaluate(Connection(from: IPAddress(Self.pods[from]!)!, to: IPAddress(Self.pods[target]!)!, proto: .tcp, port: 80)).allowed
                if !expected { expectedDenied += 1 }
                #expect(connected == expected, "\(from) -> \(target): observed \(connected), expected \(expected)")
            }
        }
        // x/a accepts only y/b; y/a may only reach x: x/b -> x/a, y/a -> x/a, y/a -> y/b denied.
        #expect(expectedDenied == 3)
    }
}
