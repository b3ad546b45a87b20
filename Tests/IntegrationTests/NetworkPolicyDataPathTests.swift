import Foundation
import Testing

/// NetworkPolicy on the vxlan eBPF data path: pod traffic on the fast path skips the node's
/// forward hook where the policy table decides, so `cnictl policy apply` marks the local pods
/// a policy isolates (flag 1, POD_SLOW_PATH, in the data path's `swcni_pods` map) and they
/// take the kernel path. Two vxlan nodes with `dataPath: ebpf`, pods attached with cnictl
/// (known from each node's CNI cache, labels and other nodes' addresses from manifests), the
/// map read with bpftool through the program on the node's VTEP.
@Suite("NetworkPolicy on the vxlan eBPF data path", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NetworkPolicyDataPathTests {
    static let underlay = ["192.168.63.11/24", "192.168.63.12/24"]

    /// What a test needs around a cluster: manifest folder, per-node policy apply, servers,
    /// probes and the pod map.
    final class Lab {
        let cluster: VxlanCluster
        let dir: String
        var manifests: String { "\(dir)/manifests" }
        var ips: [String: String] = [:]
        var pods: [String: TestNamespace] = [:]
        private var servers: [Process] = []
        private var parents: [Pipe] = []

        init(_ cluster: VxlanCluster) throws {
            self.cluster = cluster
            dir = "\(cluster.dir)/netpol"
            try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
            try PolicyLab.script(policyLabServerScript, "\(dir)/server.py")
            try PolicyLab.script(policyLabProbeScript, "\(dir)/probe.py")
        }

        func stopServers() {
            for server in servers where server.isRunning {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            servers = []
        }

        /// `cnictl add` of pod `x/<name>` on `node` (CNI_ARGS name it for the policy's cache).
        func addPod(_ name: String, on node: VxlanCluster.Node) throws {
            let pod = try cluster.newPod()
            let out = try cluster.cnictl(node, ["add", pod.path, "--container-id", "np-\(name)", "--k8s-pod", "x/\(name)"])
            guard out.status == 0, let json = out.json, let ips = json["ips"] as? [[String: Any]],
                let address = ips.first?["address"] as? String
            else { throw ShellError(command: "cnictl add x/\(name)", output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)) }
            self.ips[name] = String(address.split(separator: "/")[0])
            pods[name] = pod
        }

        /// A TCP server on port 80 in the pod (exits with this process: its stdin closes).
        func serve(_ name: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", pods[name]!.name, PolicyLab.python, "\(dir)/server.py", "80"]
            let out = Pipe(), parent = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = parent
            parents.append(parent)
            try process.run()
            servers.append(process)
            guard String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("ready") else {
                throw ShellError(command: "server in \(name)", output: Shell.Output(status: -1, stdout: "", stderr: "server did not start"))
            }
        }

        /// The manifest of pod x/<name> (its own file, so a relabel takes the pods-only path).
        func writePod(_ name: String, labels: [String: String]) throws {
            let object: [String: Any] = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": name, "namespace": "x", "labels": labels],
                "status": ["podIP": ips[name]!],
            ]
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: "\(manifests)/10-pod-\(name).json"))
        }

        var policyFile: String { "\(manifests)/20-policy.json" }

        /// x/isolate-b: pods labelled pod=b accept ingress only from pods labelled pod=a.
        func writePolicy() throws {
            let object = NetworkPolicyReachabilityTests.policy("x", "isolate-b", [
                "podSelector": NetworkPolicyReachabilityTests.labels(["pod": "b"]),
                "ingress": [["from": [["podSelector": NetworkPolicyReachabilityTests.labels(["pod": "a"])]]]],
            ])
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: policyFile))
        }

        func policy(_ node: VxlanCluster.Node, _ arguments: [String]) throws -> PluginExec.Output {
            try CnictlRun.run(
                ["policy"] + arguments + ["--netns", node.ns.path, "--cache-dir", node.cacheDir, "--lock-file", "\(dir)/lock", "--state-dir", "\(dir)/state"])
        }

        /// `cnictl policy apply` of the manifest folder on `node`; returns stderr.
        @discardableResult
        func apply(_ node: VxlanCluster.Node, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let out = try policy(node, ["apply", manifests])
            #expect(out.status == 0, "apply on \(node.name): \(out.stderr)", sourceLocation: sourceLocation)
            return out.stderr
        }

        /// TCP connect from pod `from` to each pod in `to` (port 80): connected or not.
        func probe(from: String, to targets: [String]) throws -> [String: Bool] {
            let out = try Shell.run(["ip", "netns", "exec", pods[from]!.name, PolicyLab.python, "\(dir)/probe.py", "1.5"]
                                    + targets.map { "tcp,\(ips[$0]!),80" })
            let lines = out.stdout.split(separator: "\n").map { $0 == "1" }
            guard lines.count == targets.count else {
                throw ShellError(command: "probe from \(from)", output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr))
            }
            return Dictionary(uniqueKeysWithValues: zip(targets.map { "\(from)>\($0)" }, lines))
        }

        // MARK: The data path's pod map (bpftool)

        /// The id of the `swcni_pods` map of the program on `node`'s VTEP.
        func podMapID(_ node: VxlanCluster.Node) throws -> Int {
            let net = try Shell.json(["ip", "netns", "exec", node.ns.name, "bpftool", "-j", "net", "show", "dev", "vxlan.1"]) as? [[String: Any]] ?? []
            let programs = net.flatMap { ($0["tc"] as? [[String: Any]] ?? []).compactMap { ($0["prog_id"] ?? $0["id"]) as? Int } }
            for program in programs {
                let info = try Shell.json(["bpftool", "-j", "prog", "show", "id", String(program)]) as? [String: Any] ?? [:]
                for map in info["map_ids"] as? [Int] ?? [] {
                    let mapInfo = try Shell.json(["bpftool", "-j", "map", "show", "id", String(map)]) as? [String: Any] ?? [:]
                    if mapInfo["name"] as? String == "swcni_pods" { return map }
                }
            }
            throw ShellError(command: "find swcni_pods on \(node.name)", output: Shell.Output(status: -1, stdout: "\(net)", stderr: "no data path on the VTEP"))
        }

        /// Every pod entry: IPv4 address -> (key bytes, value bytes).
        func podEntries(_ node: VxlanCluster.Node) throws -> [String: (key: [UInt8], value: [UInt8])] {
            let id = try podMapID(node)
            let dump = try Shell.json(["bpftool", "-j", "map", "dump", "id", String(id)]) as? [[String: Any]] ?? []
            func bytes(_ value: Any?) -> [UInt8] { (value as? [String] ?? []).compactMap { UInt8($0.dropFirst(2), radix: 16) } }
            var entries: [String: (key: [UInt8], value: [UInt8])] = [:]
            for element in dump {
                let key = bytes(element["key"]), value = bytes(element["value"])
                guard key.count == 16, value.count == 20, key[10] == 0xff, key[11] == 0xff else { continue }
                entries[key[12...].map(String.init).joined(separator: ".")] = (key, value)
            }
            return entries
        }

        /// Names of the pods whose entry on `node` has the slow-path flag (flags bit 0,
        /// little-endian u32 after the ifindex).
        func marked(_ node: VxlanCluster.Node) throws -> Set<String> {
            let entries = try podEntries(node)
            return Set(ips.filter { entries[$0.value].map { $0.value[4] & 1 != 0 } ?? false }.keys)
        }

        /// Names of the pods with an entry on `node`.
        func local(_ node: VxlanCluster.Node) throws -> Set<String> {
            let entries = try podEntries(node)
            return Set(ips.filter { entries[$0.value] != nil }.keys)
        }

        /// Clears the slow-path flag of `name` on `node` behind cnictl's back.
        func unmarkBehindCnictl(_ name: String, on node: VxlanCluster.Node) throws {
            let id = try podMapID(node)
            let entry = try podEntries(node)[ips[name]!]!
            var value = entry.value
            value[4] &= ~1
            func hex(_ bytes: [UInt8]) -> [String] { bytes.map { String(format: "%02x", $0) } }
            try Shell.must(["bpftool", "map", "update", "id", String(id), "key", "hex"] + hex(entry.key) + ["value", "hex"] + hex(value))
        }

        /// Packets the kernel's VXLAN device of `node` received (the eBPF path bypasses it).
        func vtepReceived(_ node: VxlanCluster.Node) throws -> Int {
            let parsed = try Shell.json(["ip", "-n", node.ns.name, "-s", "-j", "link", "show", "vxlan.1"]) as? [[String: Any]]
            return ((parsed?.first?["stats64"] as? [String: Any])?["rx"] as? [String: Any])?["packets"] as? Int ?? -1
        }
    }

    static func with(_ body: (Lab) throws -> Void) throws {
        try VxlanCluster.with(underlayIPs: underlay, vxlanOptions: "\"dataPath\": \"ebpf\"") { cluster in
            let lab = try Lab(cluster)
            defer { lab.stopServers() }
            try body(lab)
        }
    }

    @Test func isolatedPodsTakeTheKernelPathWherePolicyIsEnforced() throws {
        try Self.with { lab in
            let n1 = lab.cluster.nodes[0], n2 = lab.cluster.nodes[1]
            try lab.addPod("a", on: n1)
            try lab.addPod("c", on: n1)
            try lab.addPod("b", on: n2)
            try lab.addPod("d", on: n2)
            try lab.serve("b")
            try lab.serve("d")
            #expect(try lab.local(n1) == ["a", "c"])
            #expect(try lab.local(n2) == ["b", "d"])
            for (name, label) in [("a", "a"), ("b", "b"), ("c", "c"), ("d", "d")] { try lab.writePod(name, labels: ["pod": label]) }

            // No policy yet: everything connects, on the eBPF path (node2's VXLAN device
            // sees none of it), and nothing is marked.
            for node in [n1, n2] { try lab.apply(node) }
            let rxBefore = try lab.vtepReceived(n2)
            #expect(try lab.probe(from: "c", to: ["b", "d"]) == ["c>b": true, "c>d": true])
            #expect(try lab.probe(from: "a", to: ["b"]) == ["a>b": true])
            #expect(try lab.vtepReceived(n2) == rxBefore, "the fast path decapsulates in eBPF")
            #expect(try lab.marked(n1).isEmpty && lab.marked(n2).isEmpty)

            // x/isolate-b: b accepts only a. b (node2) is marked, no other pod; node2's
            // policy table, now on b's path, drops c -> b.
            try lab.writePolicy()
            for node in [n1, n2] {
                let stderr = try lab.apply(node)
                #expect(!stderr.contains("pods-only"), "\(stderr)")
            }
            #expect(try lab.marked(n2) == ["b"])
            #expect(try lab.marked(n1).isEmpty)
            #expect(try lab.probe(from: "c", to: ["b", "d"]) == ["c>b": false, "c>d": true])
            let rxIsolated = try lab.vtepReceived(n2)
            #expect(try lab.probe(from: "a", to: ["b"]) == ["a>b": true])
            #expect(try lab.vtepReceived(n2) > rxIsolated, "traffic to b takes the kernel's VXLAN device")

            // Without the mark the eBPF path delivers c -> b past the policy: the mark is
            // what enforces it. An apply with nothing changed (pods-only) restores it.
            try lab.unmarkBehindCnictl("b", on: n2)
            #expect(try lab.marked(n2).isEmpty)
            #expect(try lab.probe(from: "c", to: ["b"]) == ["c>b": true])
            let again = try lab.apply(n2)
            #expect(again.contains("pods-only update of 0 commands"), "\(again)")
            #expect(try lab.marked(n2) == ["b"])
            #expect(try lab.probe(from: "c", to: ["b"]) == ["c>b": false])

            // d relabelled pod=b: the existing policy now selects it; the pods-only path marks it.
            try lab.writePod("d", labels: ["pod": "b"])
            for node in [n1, n2] {
                let stderr = try lab.apply(node)
                #expect(stderr.contains("pods-only update"), "\(node.name): \(stderr)")
            }
            #expect(try lab.marked(n2) == ["b", "d"])
            #expect(try lab.marked(n1).isEmpty)
            #expect(try lab.probe(from: "c", to: ["b", "d"]) == ["c>b": false, "c>d": false])
            #expect(try lab.probe(from: "a", to: ["b", "d"]) == ["a>b": true, "a>d": true])
            // ... and relabelled back: unmarked on the pods-only path.
            try lab.writePod("d", labels: ["pod": "d"])
            let back = try lab.apply(n2)
            #expect(back.contains("pods-only update"), "\(back)")
            #expect(try lab.marked(n2) == ["b"])
            #expect(try lab.probe(from: "c", to: ["d"]) == ["c>d": true])

            // A new pod the policy selects (CNI ADD, then its manifest): marked on the
            // pods-only path of the next apply.
            try lab.addPod("e", on: n2)
            try lab.serve("e")
            try lab.writePod("e", labels: ["pod": "b"])
            let added = try lab.apply(n2)
            #expect(added.contains("pods-only update"), "\(added)")
            #expect(try lab.marked(n2) == ["b", "e"])
            #expect(try lab.probe(from: "c", to: ["e", "d"]) == ["c>e": false, "c>d": true])
            #expect(try lab.probe(from: "a", to: ["e"]) == ["a>e": true])

            // The policy manifest removed: b is unmarked and reachable again.
            try FileManager.default.removeItem(atPath: lab.policyFile)
            for node in [n1, n2] { try lab.apply(node) }
            #expect(try lab.marked(n2).isEmpty && lab.marked(n1).isEmpty)
            #expect(try lab.probe(from: "c", to: ["b", "d", "e"]) == ["c>b": true, "c>d": true, "c>e": true])

            // policy delete unmarks every pod with the table.
            try lab.writePolicy()
            try lab.apply(n2)
            #expect(try lab.marked(n2) == ["b", "e"])
            let delete = try lab.policy(n2, ["delete"])
            #expect(delete.status == 0, "\(delete.stderr)")
            #expect(try lab.marked(n2).isEmpty)
            #expect(try lab.probe(from: "c", to: ["b"]) == ["c>b": true])
        }
    }
}
