import Foundation

/// A small cluster for vxlan tests, entirely in namespaces created for one test:
///
///     underlay ns: bridge ul0 ── veth ── node i: eth0 <underlay address i>
///
/// Node i has pod CIDR `10.244.i.0/24` (or what the test lists) and runs our plugins inside
/// its namespace (`ip netns exec`). A peers file and one conflist per node (bridge +
/// host-local, then vxlan chained) live in a temporary directory. Everything is deleted
/// with the namespaces and the directory, even when the test fails.
final class VxlanCluster: CnictlPodCluster, @unchecked Sendable {
    struct Node: Sendable {
        var name: String
        var ns: TestNamespace
        var underlayIP: String
        var podCIDR: String
        var conflist: String
        var cacheDir: String
    }

    let underlay: TestNamespace
    private(set) var nodes: [Node] = []
    let dir: String
    var peersFile: String { "\(dir)/peers.json" }
    static let network = "vxlan-test"
    private var pods: [TestNamespace] = []

    /// Plugin objects (JSON text) chained after vxlan in every node's conflist.
    let chainedPlugins: [String]

    /// `underlayIPs[i]` with prefix (`192.168.50.11/24`) for node i+1.
    init(underlayIPs: [String], mtu: Int = 1500, vxlanOptions: String = "", chainedPlugins: [String] = []) throws {
        self.chainedPlugins = chainedPlugins
        dir = try TestEnvironment.makeTempDir("vxlan")
        underlay = try TestNamespace(prefix: "swvx")
        do {
            try Shell.must(["ip", "-n", underlay.name, "link", "add", "ul0", "type", "bridge"])
            try Shell.must(["ip", "-n", underlay.name, "link", "set", "ul0", "mtu", String(mtu), "up"])
            for (i, address) in underlayIPs.enumerated() {
                let ns = try TestNamespace(prefix: "swvx")
                let port = "n\(i + 1)"
                try Shell.must(["ip", "-n", underlay.name, "link", "add", port, "mtu", String(mtu), "type", "veth", "peer", "name", "eth0", "mtu", String(mtu), "netns", ns.name])
                try Shell.must(["ip", "-n", underlay.name, "link", "set", port, "master", "ul0", "up"])
                try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"])
                try Shell.must(["ip", "-n", ns.name, "addr", "add", address, "dev", "eth0", "nodad"])
                try Shell.must(["ip", "-n", ns.name, "link", "set", "eth0", "up"])
                let name = "node\(i + 1)"
                let cacheDir = "\(dir)/\(name)/cache"
                try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
                let conflist = "\(dir)/\(name)/\(Self.network).conflist"
                nodes.append(Node(
                    name: name, ns: ns, underlayIP: String(address.split(separator: "/")[0]),
                    podCIDR: "10.244.\(i + 1).0/24", conflist: conflist, cacheDir: cacheDir))
            }
            try writePeers(nodes.map { ($0.name, $0.underlayIP, $0.podCIDR) })
            for node in nodes { try writeConflist(node, vxlanOptions: vxlanOptions) }
        } catch {
            remove()
            throw error
        }
    }

    func remove() {
        pods.forEach { $0.remove() }
        nodes.forEach { $0.ns.remove() }
        underlay.remove()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func with(
        underlayIPs: [String], mtu: Int = 1500, vxlanOptions: String = "", chainedPlugins: [String] = [],
        _ body: (VxlanCluster) throws -> Void
    ) throws {
        let cluster = try VxlanCluster(underlayIPs: underlayIPs, mtu: mtu, vxlanOptions: vxlanOptions, chainedPlugins: chainedPlugins)
        defer { cluster.remove() }
        try body(cluster)
    }

    /// Writes the peers file: `{"nodes": [...]}`.
    func writePeers(_ entries: [(name: String, underlayIP: String, podCIDR: String)]) throws {
        let items = entries.map { "{\"name\": \"\($0.name)\", \"underlayIP\": \"\($0.underlayIP)\", \"podCIDRs\": [\"\($0.podCIDR)\"]}" }
        try "{\"nodes\": [\(items.joined(separator: ", "))]}".write(toFile: peersFile, atomically: true, encoding: .utf8)
    }

    /// The vxlan plugin object for `node` (JSON text without the enclosing list).
    func vxlanPlugin(_ node: Node, options: String = "") -> String {
        let extra = options.isEmpty ? "" : ", \(options)"
        return """
            {"type": "vxlan", "nodeName": "\(node.name)", "clusterCIDRs": ["10.244.0.0/16"], "peersFile": "\(peersFile)"\(extra)}
            """
    }

    func writeConflist(_ node: Node, vxlanOptions: String = "") throws {
        let text = """
            {"cniVersion": "1.1.0", "name": "\(Self.network)", "plugins": [
              {"type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(node.podCIDR)"}]], "dataDir": "\(dir)/\(node.name)/ipam"}},
              \(([vxlanPlugin(node, options: vxlanOptions)] + chainedPlugins).joined(separator: ",\n  "))
            ]}
            """
        try text.write(toFile: node.conflist, atomically: true, encoding: .utf8)
    }

    /// A plugin-level request config for the vxlan plugin alone (for direct execs).
    func vxlanConfig(_ node: Node, options: String = "", prevResult: String? = nil, version: String = "1.1.0") -> String {
        var object = vxlanPlugin(node, options: options)
        object.removeFirst()
        let prev = prevResult.map { ", \"prevResult\": \($0)" } ?? ""
        return "{\"cniVersion\": \"\(version)\", \"name\": \"\(Self.network)\"\(prev), \(object)"
    }

    static let emptyPrevResult = #"{"cniVersion": "1.1.0", "interfaces": [], "ips": []}"#

    /// Execs our vxlan plugin inside `node`'s namespace.
    func vxlan(_ node: Node, _ command: String, config: String, netns: String? = nil, containerID: String = "ctr") throws
        -> PluginExec.Output
    {
        var env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_PATH": TestEnvironment.binDir]
        if command != "GC" && command != "STATUS" {
            env["CNI_CONTAINERID"] = containerID
            env["CNI_IFNAME"] = "eth0"
            env["CNI_NETNS"] = try netns ?? scratchPod().path
        }
        let out = try Shell.run(
            ["ip", "netns", "exec", node.ns.name, TestEnvironment.binary("vxlan")], stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// `cnictl <command> ...` for `node`'s conflist, inside the node's namespace.
    func cnictl(_ node: Node, _ arguments: [String]) throws -> PluginExec.Output {
        let command = arguments[0]
        var args = [command, Self.network] + arguments.dropFirst()
        args += ["--conf", node.conflist, "--bin-dir", TestEnvironment.binDir]
        if command != "reconcile-peers" { args += ["--cache-dir", node.cacheDir] }
        return try CnictlRun.run(args, inNS: node.ns.name)
    }

    private var scratch: TestNamespace?

    /// An empty namespace to name as CNI_NETNS when a test execs vxlan alone.
    func scratchPod() throws -> TestNamespace {
        if let scratch { return scratch }
        let pod = try newPod()
        scratch = pod
        return pod
    }

    let podPrefix = "swvx"
    func track(_ pod: TestNamespace) { pods.append(pod) }
    func name(of node: Node) -> String { node.name }

    // MARK: Observation (iproute2 JSON)

    func vtep(_ node: Node, device: String = "vxlan.1") throws -> [String: Any]? {
        let out = try Shell.run(["ip", "-n", node.ns.name, "-d", "-j", "link", "show", "dev", device])
        guard out.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])?.first
    }

    /// `mac dst` of every FDB entry of the VTEP.
    func fdb(_ node: Node, device: String = "vxlan.1") throws -> Set<String> {
        let entries = try Shell.json(["ip", "netns", "exec", node.ns.name, "bridge", "-j", "fdb", "show", "dev", device]) as? [[String: Any]] ?? []
        return Set(entries.map { "\($0["mac"] as? String ?? "?") \($0["dst"] as? String ?? "-")" })
    }

    /// `ip lladdr state` of every neighbour of the VTEP.
    func neighbours(_ node: Node, device: String = "vxlan.1") throws -> Set<String> {
        let entries = try Shell.json(["ip", "-n", node.ns.name, "-j", "neigh", "show", "dev", device]) as? [[String: Any]] ?? []
        return Set(entries.map { e in
            let state = (e["state"] as? [String])?.joined(separator: ",") ?? "?"
            return "\(e["dst"] as? String ?? "?") \(e["lladdr"] as? String ?? "?") \(state)"
        })
    }

    /// `dst via gateway dev flags` of every IPv4 route with a gateway in the main table.
    func routes(_ node: Node) throws -> Set<String> {
        let entries = try Shell.json(["ip", "-n", node.ns.name, "-j", "route", "show"]) as? [[String: Any]] ?? []
        return Set(entries.compactMap { e in
            guard let gateway = e["gateway"] as? String, let dst = e["dst"] as? String, dst != "default" else { return nil }
            let flags = (e["flags"] as? [String] ?? []).joined(separator: ",")
            return "\(dst) via \(gateway) dev \(e["dev"] as? String ?? "?")\(flags.isEmpty ? "" : " " + flags)"
        })
    }

    /// The MAC the plugin derives for a node (FNV-1a 64 of VNI and underlay address), computed
    /// here independently of the plugin's code.
    static func derivedMAC(vni: UInt32, underlayIP: String) -> String {
        var bytes: [UInt8] = [UInt8(vni >> 24 & 0xff), UInt8(vni >> 16 & 0xff), UInt8(vni >> 8 & 0xff), UInt8(vni & 0xff)]
        bytes += underlayIP.contains(":")
            ? ipv6Bytes(underlayIP) : underlayIP.split(separator: ".").map { UInt8($0)! }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let tail = [56, 48, 40, 32, 24].map { String(format: "%02x", UInt8(hash >> UInt64($0) & 0xff)) }
        return (["02"] + tail).joined(separator: ":")
    }

    private static func ipv6Bytes(_ text: String) -> [UInt8] {
        var address = in6_addr()
        _ = inet_pton(AF_INET6, text, &address)
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

// MARK: The underlay's view

extension VxlanCluster {
    /// (Re)creates a counter of UDP `port` frames the underlay bridge forwards between nodes.
    func countUnderlayUDP(port: Int) throws {
        _ = try Shell.run(["ip", "netns", "exec", underlay.name, "nft", "delete", "table", "bridge", "swcni_test"])
        let rules = """
            table bridge swcni_test {
              chain forward {
                type filter hook forward priority 0; policy accept;
                udp dport \(port) counter
              }
            }
            """
        let out = try Shell.run(["ip", "netns", "exec", underlay.name, "nft", "-f", "-"], stdin: Data(rules.utf8))
        if out.status != 0 { throw ShellError(command: "nft -f - in \(underlay.name)", output: out) }
    }

    /// Packets counted since `countUnderlayUDP`.
    func underlayUDPPackets() throws -> Int {
        let text = try underlay.run(["nft", "list", "chain", "bridge", "swcni_test", "forward"])
        guard let range = text.range(of: #"packets [0-9]+"#, options: .regularExpression) else { return 0 }
        return Int(text[range].dropFirst(8)) ?? 0
    }

    /// Bytes counted since `countUnderlayUDP`.
    func underlayUDPBytes() throws -> Int {
        let text = try underlay.run(["nft", "list", "chain", "bridge", "swcni_test", "forward"])
        guard let range = text.range(of: #"bytes [0-9]+"#, options: .regularExpression) else { return 0 }
        return Int(text[range].dropFirst(6)) ?? 0
    }
}
