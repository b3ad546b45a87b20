import Foundation
import NetworkPolicy
import JSONSupport

/// A node for NetworkPolicy tests: a "node" namespace with the reference bridge plugin's
/// bridge, pods x/a ... z/c attached by `cnictl add` (K8S_POD_NAMESPACE/NAME in CNI_ARGS,
/// addresses requested through the `ips` capability), each serving TCP and UDP on 53, 80
/// and 81; and an "outside" namespace routed through the node (192.0.2.10 and .200).
/// Everything is created by the lab and removed by `tearDown()`, servers included.
final class PolicyLab: @unchecked Sendable {
    static let namespaces = ["x", "y", "z"]
    static let podNames = ["a", "b", "c"]
    static let servedPorts = [53, 80, 81]
    static let outside = ["192.0.2.10", "192.0.2.200"]
    static let python = "/usr/bin/python3"
    /// Seconds a probe waits for a connection or a UDP answer; blocked probes all wait this
    /// long, in parallel. Generous: CI machines are loaded.
    static let probeTimeout = "2.0"

    let dir: String
    let node: TestNamespace
    let ext: TestNamespace
    private(set) var pods: [String: TestNamespace] = [:]
    private var servers: [Process] = []
    private var parentPipes: [Pipe] = []
    /// Labels of pods and namespaces as the manifests say now.
    var podLabels: [String: [String: String]] = [:]
    var namespaceLabels: [String: [String: String]] = [:]

    static var allPods: [String] { namespaces.flatMap { ns in podNames.map { "\(ns)/\($0)" } } }

    static func ip(_ pod: String) -> String {
        let ref = ObjectRef(parsing: pod)
        return "10.244.\(namespaces.firstIndex(of: ref.namespace)! + 1).\(podNames.firstIndex(of: ref.name)! + 10)"
    }

    /// Pods also get IPv6 addresses (fd00:244::N:P/64) when true.
    let ipv6: Bool

    static func ip6(_ pod: String) -> String {
        let ref = ObjectRef(parsing: pod)
        return "fd00:244::\(namespaces.firstIndex(of: ref.namespace)! + 1):\(podNames.firstIndex(of: ref.name)! + 10)"
    }

    init(ipv6: Bool = false) throws {
        self.ipv6 = ipv6
        dir = try TestEnvironment.makeTempDir("netpol")
        node = try TestNamespace(prefix: "npnode")
        ext = try TestNamespace(prefix: "npext")
        do {
            try setUp()
        } catch {
            tearDown()
            throw error
        }
    }

    static func with(ipv6: Bool = false, _ body: (PolicyLab) throws -> Void) throws {
        let lab = try PolicyLab(ipv6: ipv6)
        defer { lab.tearDown() }
        try body(lab)
    }

    private func setUp() throws {
        try node.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        try node.run(["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"])
        if ipv6 {
            try node.run(["sysctl", "-qw", "net.bridge.bridge-nf-call-ip6tables=1"])
            try node.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
        }
        try node.run(["ip", "link", "set", "lo", "up"])
        // Outside: a veth from the node to the "ext" namespace.
        let extLink = "npx" + String(TestEnvironment.runID.suffix(8))
        try node.run(["ip", "link", "add", extLink, "type", "veth", "peer", "name", "eth0", "netns", ext.name])
        try node.run(["ip", "addr", "add", "192.0.2.1/24", "dev", extLink])
        try node.run(["ip", "link", "set", extLink, "up"])
        try ext.run(["ip", "link", "set", "lo", "up"])
        for address in Self.outside { try ext.run(["ip", "addr", "add", address + "/24", "dev", "eth0"]) }
        try ext.run(["ip", "link", "set", "eth0", "up"])
        try ext.run(["ip", "route", "add", "10.244.0.0/16", "via", "192.0.2.1"])

        try FileManager.default.createDirectory(atPath: "\(dir)/manifests", withIntermediateDirectories: true)
        try Self.script(policyLabServerScript, "\(dir)/server.py")
        try Self.script(policyLabProbeScript, "\(dir)/probe.py")
        let conf = """
            {"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":false,
             "capabilities":{"ips":true},
             "ipam":{"type":"host-local","dataDir":"\(dir)/ipam","ranges":[[{"subnet":"10.244.0.0/16","gateway":"10.244.0.1"}]\(ipv6 ? #",[{"subnet":"fd00:244::/64","gateway":"fd00:244::1"}]"# : "")],
                     "routes":[{"dst":"0.0.0.0/0"}\(ipv6 ? #",{"dst":"::/0"}"# : "")]}}]}
            """
        try conf.write(toFile: "\(dir)/podnet.conflist", atomically: true, encoding: .utf8)
        for ns in Self.namespaces {
            namespaceLabels[ns] = ["ns": ns]
            for name in Self.podNames {
                let pod = "\(ns)/\(name)"
                let netns = try TestNamespace(prefix: "np\(ns)\(name)")
                pods[pod] = netns
                podLabels[pod] = ["pod": name]
                let out = try CnictlRun.run(
                    ["add", "podnet", netns.path, "--conf", "\(dir)/podnet.conflist", "--bin-dir", TestEnvironment.referenceDir,
                     "--cache-dir", "\(dir)/cache", "--k8s-pod", pod, "--ip", Self.ip(pod) + "/16"] + (ipv6 ? ["--ip", Self.ip6(pod) + "/64"] : []), inNS: node.name)
                guard out.status == 0 else { throw ShellError(command: "cnictl add \(pod)", output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)) }
                try netns.run(["ip", "link", "set", "lo", "up"])
                try startServer(in: netns)
            }
        }
        try startServer(in: ext, udpAddresses: Self.outside)
    }

    private func startServer(in ns: TestNamespace, udpAddresses: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", ns.name, Self.python, "\(dir)/server.py"] + Self.servedPorts.map(String.init)
            + udpAddresses.map { "@" + $0 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        // The server exits when this pipe closes, even if this test process dies.
        let parent = Pipe()
        process.standardInput = parent
        parentPipes.append(parent)
        try process.run()
        servers.append(process)
        // The server prints "ready" once every socket is bound.
        let line = out.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            throw ShellError(command: "server in \(ns.name)", output: Shell.Output(status: -1, stdout: "", stderr: "server did not start"))
        }
    }

    func tearDown() {
        for server in servers where server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        servers = []
        for (_, ns) in pods { ns.remove() }
        ext.remove()
        node.remove()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func script(_ text: String, _ path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: Manifests

    func namespaceObjects() -> [[String: Any]] {
        Self.namespaces.map { ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": $0, "labels": namespaceLabels[$0]!]] }
    }

    /// Pods without status: their addresses come from the CNI result cache.
    func podObjects() -> [[String: Any]] {
        Self.allPods.map { pod in
            let ref = ObjectRef(parsing: pod)
            let ports: [[String: Any]] = Self.servedPorts.flatMap { port in
                ["TCP", "UDP"].map { ["name": "serve-\(port)-\($0.lowercased())", "containerPort": port, "protocol": $0] }
            }
            return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": ref.name, "namespace": ref.namespace, "labels": podLabels[pod]!],
                    "spec": ["containers": [["name": "c", "ports": ports]]]]
        }
    }

    /// Writes the world and the policies as manifests (a List of namespaces, one file per
    /// pod, one file per policy) and returns the state the evaluator sees: the decoded
    /// manifests plus the pods' addresses.
    @discardableResult
    func writeManifests(_ policies: [[String: Any]]) throws -> ClusterState {
        let folder = "\(dir)/manifests"
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) { try FileManager.default.removeItem(atPath: "\(folder)/\(name)") }
        var files: [(String, Any)] = [("00-namespaces.json", ["apiVersion": "v1", "kind": "List", "items": namespaceObjects()])]
        for (index, pod) in podObjects().enumerated() { files.append(("10-pod-\(index).json", pod)) }
        for (index, policy) in policies.enumerated() { files.append(("20-policy-\(index).json", policy)) }
        var objects = ManifestObjects()
        for (name, object) in files {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
            objects.append(try ManifestDecoder(source: name).decode(try JSONParser.parse(String(decoding: data, as: UTF8.self))))
        }
        var state = objects.clusterState
        for pod in Self.allPods {
            var model = state.pods[ObjectRef(parsing: pod)]!
            model.ips = [IPAddress(Self.ip(pod))!] + (ipv6 ? [IPAddress(Self.ip6(pod))!] : [])
            state.upsert(model)
        }
        return state
    }

    /// `cnictl policy apply` of the manifest folder in the node namespace; returns its stderr.
    @discardableResult
    func apply(full: Bool = false) throws -> String {
        let out = try CnictlRun.run(
            ["policy", "apply", "--netns", node.path, "--cache-dir", "\(dir)/cache", "--lock-file", "\(dir)/nftables.lock", "--state-dir", "\(dir)/state"]
                + (full ? ["--full"] : []) + ["\(dir)/manifests"])
        guard out.status == 0 else { throw ShellError(command: "cnictl policy apply", output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)) }
        return out.stderr
    }

    func cnictl(_ arguments: [String]) throws -> PluginExec.Output {
        try CnictlRun.run(["policy"] + arguments + ["--netns", node.path, "--cache-dir", "\(dir)/cache", "--lock-file", "\(dir)/nftables.lock", "--state-dir", "\(dir)/state"])
    }

    // MARK: Probing

    /// Probes, in parallel, every (from, to) pair: `from` pods and "ext" (the outside namespace,
    /// sourcing from its first address), `to` pods plus the outside addresses. Returns
    /// "from>to" -> connected.
    func probe(proto: String, port: Int, from sources: [String] = PolicyLab.allPods + ["ext"],
               to destinations: [String] = PolicyLab.allPods + PolicyLab.outside, overIPv6: Bool = false) throws -> [String: Bool] {
        let results = ResultBox()
        let group = DispatchGroup()
        var failure: Error?
        for source in sources {
            let ns = source == "ext" ? ext : pods[source]!
            let targets = destinations.filter { $0 != source && !(source == "ext" && Self.outside.contains($0)) }
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do {
                    let out = try Shell.run(["ip", "netns", "exec", ns.name, Self.python, "\(self.dir)/probe.py", Self.probeTimeout]
                        + targets.map { "\(proto),\(overIPv6 ? Self.ip6($0) : Self.address($0)),\(port)" })
                    let lines = out.stdout.split(separator: "\n")
                    guard out.status == 0, lines.count == targets.count else {
                        throw ShellError(command: "probe from \(source)", output: out)
                    }
                    for (target, line) in zip(targets, lines) { results.set("\(source)>\(target)", line == "1") }
                } catch {
                    results.fail(error)
                }
            }
        }
        group.wait()
        failure = results.error
        if let failure { throw failure }
        return results.values
    }

    static func address(_ endpoint: String) -> String { endpoint.contains("/") ? ip(endpoint) : endpoint }

    /// The evaluator's answer for every probed pair.
    static func expected(_ state: ClusterState, proto: String, port: Int, pairs: [String], overIPv6: Bool = false) -> [String: Bool] {
        let evaluator = PolicyEvaluator(state)
        var out: [String: Bool] = [:]
        for pair in pairs {
            let parts = pair.split(separator: ">").map(String.init)
            let source = parts[0] == "ext" ? outside[0] : (overIPv6 ? ip6(parts[0]) : address(parts[0]))
            let connection = Connection(
                from: IPAddress(source)!, to: IPAddress(overIPv6 ? ip6(parts[1]) : address(parts[1]))!, proto: TransportProtocol(rawValue: proto.uppercased())!, port: port)
            out[pair] = evaluator.evaluate(connection).allowed
        }
        return out
    }

    /// Differences between observed and expected, with both truth tables when any.
    static func mismatches(observed: [String: Bool], expected: [String: Bool]) -> [String] {
        let wrong = expected.keys.sorted().filter { observed[$0] != expected[$0] }
        guard !wrong.isEmpty else { return [] }
        let sources = allPods + ["ext"], targets = allPods + outside
        func table(_ values: [String: Bool]) -> String {
            var lines = ["from\\to      " + targets.map { $0.count > 3 ? String($0.suffix(3)) : $0 }.joined(separator: " ")]
            for s in sources {
                let cells = targets.map { t -> String in
                    guard let v = values["\(s)>\(t)"] else { return " . " }
                    return v ? " X " : " - "
                }
                lines.append(s.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + cells.joined(separator: " "))
            }
            return lines.joined(separator: "\n")
        }
        return wrong.map { "\($0): observed \(observed[$0].map { $0 ? "connect" : "blocked" } ?? "nothing"), expected \(expected[$0]! ? "connect" : "blocked")" }
            + ["expected:\n" + table(expected), "observed:\n" + table(observed)]
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String: Bool] = [:]
    private(set) var error: Error?
    func set(_ key: String, _ value: Bool) { lock.lock(); values[key] = value; lock.unlock() }
    func fail(_ error: Error) { lock.lock(); self.error = error; lock.unlock() }
}

let policyLabServerScript = """
    import selectors, socket, sys
    # argv: ports, then "@address" for each address UDP must answer from (default: any).
    sel = selectors.DefaultSelector()
    ports = [int(a) for a in sys.argv[1:] if not a.startswith("@")]
    udp_addresses = [a[1:] for a in sys.argv[1:] if a.startswith("@")] or ["::"]
    for port in ports:
        t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        t.bind(("::", port)); t.listen(128); t.setblocking(False)
        sel.register(t, selectors.EVENT_READ, "tcp")
        for address in udp_addresses:
            u = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
            if ":" in address: u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            u.bind((address, port)); u.setblocking(False)
            sel.register(u, selectors.EVENT_READ, "udp")
    # Exit when stdin reaches EOF: the test process that started us is gone.
    sel.register(sys.stdin, selectors.EVENT_READ, "parent")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "parent":
                if not sys.stdin.buffer.read1(64): sys.exit(0)
                continue
            try:
                if key.data == "tcp":
                    c, _ = key.fileobj.accept(); c.sendall(b"ok"); c.close()
                else:
                    data, peer = key.fileobj.recvfrom(2048); key.fileobj.sendto(b"ok", peer)
            except OSError:
                pass
    """

let policyLabProbeScript = """
    import socket, sys, threading
    timeout = float(sys.argv[1]); targets = sys.argv[2:]; results = [False] * len(targets)
    def probe(i, target):
        proto, ip, port = target.split(","); port = int(port)
        try:
            if proto == "tcp":
                s = socket.create_connection((ip, port), timeout=timeout); s.settimeout(timeout)
                results[i] = s.recv(2) == b"ok"; s.close()
            else:
                # Connected: only a reply from the probed address counts.
                s = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(timeout / 2); s.connect((ip, port))
                for _ in range(2):
                    s.send(b"x")
                    try:
                        data = s.recv(16); results[i] = data == b"ok"; break
                    except socket.timeout:
                        pass
        except OSError:
            results[i] = False
    threads = [threading.Thread(target=probe, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("\\n".join("1" if r else "0" for r in results))
    """
