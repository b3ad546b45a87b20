import Foundation
import JSONSupport

/// A Kubernetes node in namespaces, running one of the shipped `conf/examples` conflists
/// through `cnictl` the way containerd or CRI-O run it through libcni:
///
///     client ns: eth0 192.168.50.2/24 ── veth ── node ns: up0 192.168.50.11/24, .21/24
///
/// cnictl and the plugins run inside the node namespace, so the bridge, host veths, IFBs,
/// qdiscs and nftables tables live there; pods are further namespaces. 192.168.50.11 is
/// node1's `underlayIP` in `vxlan-node.conflist`, so that example runs unchanged. The
/// conflist is loaded from the file and only what would clash between runs on one machine
/// is rewritten: the network name and host-local's `dataDir` (the result cache has its
/// own directory, given to cnictl). Everything is removed afterwards, also on failure.
final class KubernetesNodeLab: @unchecked Sendable {
    static let nodeIP = "192.168.50.11"
    /// A second node address: a mapping with `hostIP` must not answer on it.
    static let otherNodeIP = "192.168.50.21"
    static let clientIP = "192.168.50.2"
    static let uplink = "up0"

    let node: TestNamespace
    let client: TestNamespace
    let root: String
    let network: String
    /// The example as shipped, parsed.
    let example: JSONObject
    var confFile: String { "\(root)/\(network).conflist" }
    var cacheDir: String { "\(root)/cache" }
    var dataDir: String { "\(root)/ipam" }
    private var pods: [TestNamespace] = []

    /// `file` is a name under conf/examples; `cniVersions` nil keeps the list's own field,
    /// an empty array removes it (the list as a libcni older than 1.2 reads it).
    init(example file: String, cniVersions: [String]? = nil) throws {
        let path = "\(TestEnvironment.packageRoot)/conf/examples/\(file)"
        guard case .object(let parsed) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) else {
            throw ShellError(command: "parse \(path)", output: .init(status: 1, stdout: "", stderr: "not a JSON object"))
        }
        example = parsed
        root = try TestEnvironment.makeTempDir("k8s")
        network = TestEnvironment.uniqueName("k8s")
        node = try TestNamespace(prefix: "k8n")
        client = try TestNamespace(prefix: "k8c")
        do {
            try writeConflist(cniVersions: cniVersions)
            let n = node.name
            try Shell.must(["ip", "-n", n, "link", "add", Self.uplink, "type", "veth", "peer", "name", "eth0", "netns", client.name])
            try Shell.must(["ip", "-n", n, "addr", "add", "\(Self.nodeIP)/24", "dev", Self.uplink])
            try Shell.must(["ip", "-n", n, "addr", "add", "\(Self.otherNodeIP)/24", "dev", Self.uplink])
            try Shell.must(["ip", "-n", n, "link", "set", Self.uplink, "up"])
            try Shell.must(["ip", "-n", n, "link", "set", "lo", "up"])
            try Shell.must(["ip", "-n", client.name, "link", "set", "lo", "up"])
            try Shell.must(["ip", "-n", client.name, "addr", "add", "\(Self.clientIP)/24", "dev", "eth0"])
            try Shell.must(["ip", "-n", client.name, "link", "set", "eth0", "up"])
        } catch {
            remove()
            throw error
        }
    }

    func remove() {
        pods.forEach { $0.remove() }
        client.remove()
        node.remove()
        try? FileManager.default.removeItem(atPath: root)
    }

    static func with(example: String, cniVersions: [String]? = nil, _ body: (KubernetesNodeLab) throws -> Void) throws {
        let lab = try KubernetesNodeLab(example: example, cniVersions: cniVersions)
        defer { lab.remove() }
        try body(lab)
    }

    private func writeConflist(cniVersions: [String]?) throws {
        var list = example
        list["name"] = .string(network)
        if let cniVersions { list["cniVersions"] = cniVersions.isEmpty ? nil : .array(cniVersions.map { .string($0) }) }
        let plugins = (list["plugins"]?.arrayValue ?? []).map { item -> JSONValue in
            guard case .object(var plugin) = item, case .object(var ipam)? = plugin["ipam"] else { return item }
            ipam["dataDir"] = .string(dataDir)
            plugin["ipam"] = .object(ipam)
            return .object(plugin)
        }
        list["plugins"] = .array(plugins)
        try JSONValue.object(list).serialized().write(toFile: confFile, atomically: true, encoding: .utf8)
    }

    /// A new pod namespace, removed with the lab.
    func pod() throws -> TestNamespace {
        let ns = try TestNamespace(prefix: "k8p")
        pods.append(ns)
        try ns.run(["ip", "link", "set", "lo", "up"])
        return ns
    }

    /// `cnictl COMMAND NETWORK [NETNS] ARGUMENTS` inside the node namespace.
    func cnictl(_ command: String, _ pod: TestNamespace? = nil, _ arguments: [String] = []) throws -> PluginExec.Output {
        try CnictlRun.run(
            [command, network] + (pod.map { [$0.path] } ?? []) + arguments
                + ["--conf", confFile, "--bin-dir", TestEnvironment.binDir, "--cache-dir", cacheDir],
            inNS: node.name)
    }

    // MARK: Observation (all in the node namespace)

    /// Veths other than the uplink. DEL deletes a pod's pair in the background after marking
    /// its host end `swcni-tomb…` (docs/bridge.md): marked pairs get 5 s to disappear.
    func podVeths() throws -> [String] {
        try settled(5) {
            let links = try Shell.json(["ip", "-n", node.name, "-j", "-d", "link", "show", "type", "veth"]) as? [[String: Any]] ?? []
            let names = links.compactMap { $0["ifname"] as? String }.filter { $0 != Self.uplink }
            let retiring = links.contains { ($0["ifalias"] as? String)?.hasPrefix("swcni-tomb") == true }
            return (names, !retiring)
        }
    }

    /// IFB devices; retired ones (`bwpdel…`, deleted by a background process) get 3 s.
    func ifbs() throws -> [String] {
        try settled(3) {
            let links = try Shell.json(["ip", "-n", node.name, "-j", "link", "show", "type", "ifb"]) as? [[String: Any]] ?? []
            let names = links.compactMap { $0["ifname"] as? String }.sorted()
            return (names, !names.contains { $0.hasPrefix("bwpdel") })
        }
    }

    private func settled(_ seconds: TimeInterval, _ probe: () throws -> ([String], Bool)) throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let (names, done) = try probe()
            if done || Date() > deadline { return names }
            usleep(20_000)
        }
    }

    /// The shaping qdiscs (`tbf`, `ingress`) on any device of the node, as "kind dev".
    func shapingQdiscs() throws -> [String] {
        let list = try Shell.json(["tc", "-n", node.name, "-j", "qdisc", "show"]) as? [[String: Any]] ?? []
        return list.compactMap { q in
            guard let kind = q["kind"] as? String, kind == "tbf" || kind == "ingress" else { return nil }
            return "\(kind) \(q["dev"] as? String ?? "?")"
        }.sorted()
    }

    /// The tbf root of `dev`: `rate` in bytes/s and `burst` in bytes, as `tc -j` reports them.
    func tbf(_ dev: String) throws -> [String: Any]? {
        let list = try Shell.json(["tc", "-n", node.name, "-j", "qdisc", "show", "dev", dev]) as? [[String: Any]] ?? []
        return list.first { $0["kind"] as? String == "tbf" }?["options"] as? [String: Any]
    }

    func ruleset() throws -> String { try node.run(["nft", "list", "ruleset"]) }

    /// `inet swcni_portmap`, or nil when the table does not exist.
    func portmapTable() throws -> String? {
        let out = try Shell.run(["ip", "netns", "exec", node.name, "nft", "list", "table", "inet", "swcni_portmap"])
        return out.status == 0 ? out.stdout : nil
    }

    var reservations: [String] { CnictlRun.reservations(dataDir, network: network) }

    /// Files of the result cache (`<cache>/results`).
    var cacheEntries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: "\(cacheDir)/results")) ?? [] }

    /// The pod's first IPv4 address in a cnictl result.
    static func podIPv4(_ result: [String: Any]?) -> String? {
        let ips = result?["ips"] as? [[String: Any]] ?? []
        return ips.compactMap { $0["address"] as? String }.first { !$0.contains(":") }.map { String($0.split(separator: "/")[0]) }
    }

    /// The host veth of the pod in a cnictl result (the interface without a sandbox that is
    /// neither the bridge nor an IFB).
    static func hostVeth(_ result: [String: Any]?, bridge: String) -> String? {
        let interfaces = result?["interfaces"] as? [[String: Any]] ?? []
        return interfaces.first {
            ($0["sandbox"] as? String ?? "").isEmpty && $0["name"] as? String != bridge
                && !(($0["name"] as? String)?.hasPrefix("bwp") ?? false)
        }?["name"] as? String
    }
}
