import Foundation

/// Nodes on different L2 segments joined by a router, for the vxlan plugin's routing mode
/// bgp, entirely in namespaces created for one test:
///
///     node i: eth0 192.168.(60+i).1i/24 ── veth ── router: r<i> 192.168.(60+i).1/24
///
/// The router forwards between the segments and runs its own BIRD as the route reflector
/// of every node (next hop self, so each node reaches the others' pod CIDRs through it).
/// Each node has pod CIDR 10.244.i.0/24, runs bridge + host-local + vxlan through cnictl in
/// its namespace, and its own BIRD on the configuration the plugin writes into the test's
/// directory. Every BIRD is stopped, and the namespaces and directory deleted, even when the
/// test fails.
final class BGPCluster: CnictlPodCluster, @unchecked Sendable {
    struct Node: Sendable {
        var name: String
        var ns: TestNamespace
        var underlayIP: String
        var routerIP: String
        var podCIDR: String
        var conflist: String
        var cacheDir: String
        var birdConfig: String
        var birdSocket: String
        var bird: BirdProcess
    }

    static let network = "bgp-test"
    static let holdTime = 3
    let router: TestNamespace
    let routerBird: BirdProcess
    private(set) var nodes: [Node] = []
    let dir: String
    var peersFile: String { "\(dir)/peers.json" }
    private var pods: [TestNamespace] = []

    init(nodeCount: Int = 2, routerExtra: String = "") throws {
        dir = try TestEnvironment.makeTempDir("bgp")
        router = try TestNamespace(prefix: "swbg")
        routerBird = BirdProcess(
            namespace: router.name, config: "\(dir)/router.conf", socket: "\(dir)/router.ctl", pidFile: "\(dir)/router.pid")
        do {
            try router.run(["ip", "link", "set", "lo", "up"])
            try router.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            for i in 1...nodeCount {
                let ns = try TestNamespace(prefix: "swbg")
                let subnet = "192.168.\(60 + i)"
                let port = "r\(i)"
                try Shell.must(["ip", "-n", router.name, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns.name])
                try router.run(["ip", "addr", "add", "\(subnet).1/24", "dev", port, "nodad"])
                try router.run(["ip", "link", "set", port, "up"])
                try ns.run(["ip", "link", "set", "lo", "up"])
                try ns.run(["ip", "addr", "add", "\(subnet).1\(i)/24", "dev", "eth0", "nodad"])
                try ns.run(["ip", "link", "set", "eth0", "up"])
                try ns.run(["ip", "route", "add", "default", "via", "\(subnet).1"])
                let name = "node\(i)"
                let nodeDir = "\(dir)/\(name)"
                try FileManager.default.createDirectory(atPath: "\(nodeDir)/cache", withIntermediateDirectories: true)
                let bird = BirdProcess(
                    namespace: ns.name, config: "\(nodeDir)/bird.conf", socket: "\(nodeDir)/bird.ctl", pidFile: "\(nodeDir)/bird.pid")
                nodes.append(Node(
                    name: name, ns: ns, underlayIP: "\(subnet).1\(i)", routerIP: "\(subnet).1", podCIDR: "10.244.\(i).0/24",
                    conflist: "\(nodeDir)/\(Self.network).conflist", cacheDir: "\(nodeDir)/cache", birdConfig: bird.config,
                    birdSocket: bird.socket, bird: bird))
            }
            let items = nodes.map { "{\"name\": \"\($0.name)\", \"underlayIP\": \"\($0.underlayIP)\", \"podCIDRs\": [\"\($0.podCIDR)\"]}" }
            try "{\"nodes\": [\(items.joined(separator: ", "))]}".write(toFile: peersFile, atomically: true, encoding: .utf8)
            for node in nodes { try writeConflist(node) }
            try writeRouterConfig(extra: routerExtra)
            try routerBird.start()
        } catch {
            remove()
            throw error
        }
    }

    func remove() {
        for node in nodes { node.bird.stop(signal: SIGKILL) }
        routerBird.stop(signal: SIGKILL)
        pods.forEach { $0.remove() }
        nodes.forEach { $0.ns.remove() }
        router.remove()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func with(nodeCount: Int = 2, routerExtra: String = "", _ body: (BGPCluster) throws -> Void) throws {
        let cluster = try BGPCluster(nodeCount: nodeCount, routerExtra: routerExtra)
        defer { cluster.remove() }
        try body(cluster)
    }

    /// The router's BIRD: route reflector for every node, next hop self, short timers, and
    /// the routes it learns installed into its kernel so it forwards pod traffic.
    private func writeRouterConfig(extra: String) throws {
        var text = """
            router id 192.168.61.1;
            protocol device {}
            protocol direct { ipv4; interface "r*"; }
            protocol kernel { ipv4 { import none; export filter { if source = RTS_BGP then accept; reject; }; }; }
            template bgp reflected {
              local as 64512; rr client; hold time \(Self.holdTime); keepalive time 1; connect retry time 1;
              error wait time 1, 5; graceful restart off;
              ipv4 { import all; export all; next hop self; };
            }

            """
        for node in nodes {
            text += "protocol bgp \(node.name) from reflected { local \(node.routerIP); neighbor \(node.underlayIP) as 64512; }\n"
        }
        try (text + extra).write(toFile: routerBird.config, atomically: true, encoding: .utf8)
    }

    /// The node's routing object: route reflector = the router's address on its segment.
    func routing(_ node: Node) -> String {
        """
        {"mode": "bgp", "peers": "none", "holdTime": \(Self.holdTime), "connectRetryTime": 1, "gracefulRestart": false,
         "routeReflectors": [\(nodes.map { "{\"address\": \"\($0.routerIP)\", \"nodes\": [\"\($0.name)\"]}" }.joined(separator: ", "))],
         "birdConfig": "\(node.birdConfig)", "birdSocket": "\(node.birdSocket)"}
        """
    }

    func writeConflist(_ node: Node) throws {
        let text = """
            {"cniVersion": "1.1.0", "name": "\(Self.network)", "plugins": [
              {"type": "bridge", "bridge": "cni0", "isGateway": true, "isDefaultGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(node.podCIDR)"}]], "dataDir": "\(dir)/\(node.name)/ipam"}},
              {"type": "vxlan", "nodeName": "\(node.name)", "clusterCIDRs": ["10.244.0.0/16"], "peersFile": "\(peersFile)",
               "routing": \(routing(node))}
            ]}
            """
        try text.write(toFile: node.conflist, atomically: true, encoding: .utf8)
    }

    /// `cnictl <command> NETWORK ...` for `node`'s conflist, inside the node's namespace.
    func cnictl(_ node: Node, _ arguments: [String]) throws -> PluginExec.Output {
        let command = arguments[0]
        var args = [command] + (command == "bgp" ? [arguments[1], Self.network] : [Self.network])
        args += arguments.dropFirst(command == "bgp" ? 2 : 1)
        args += ["--conf", node.conflist]
        if command != "bgp" { args += ["--bin-dir", TestEnvironment.binDir] }
        if command != "reconcile-peers" && command != "bgp" { args += ["--cache-dir", node.cacheDir] }
        return try CnictlRun.run(args, inNS: node.ns.name)
    }

    let podPrefix = "swbg"
    func track(_ pod: TestNamespace) { pods.append(pod) }
    func name(of node: Node) -> String { node.name }

    /// `dst via gateway proto metric` of the routes BIRD installed on `node`.
    func birdRoutes(_ node: Node) throws -> Set<String> {
        let entries = try Shell.json(["ip", "-n", node.ns.name, "-j", "route", "show", "proto", "bird"]) as? [[String: Any]] ?? []
        return Set(entries.map { e in
            "\(e["dst"] as? String ?? "?") via \(e["gateway"] as? String ?? "-") dev \(e["dev"] as? String ?? "?") metric \(e["metric"] as? Int ?? 0)"
        })
    }

    /// Polls `condition` every 100 ms for up to `seconds`; true once it held.
    func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(100_000)
        } while Date() < deadline
        return try condition()
    }

    /// Counters in the router: UDP 4789 (VXLAN) and pod-to-pod packets it forwards.
    func countRouterTraffic() throws {
        let rules = """
            table inet swcni_test {
              chain forward {
                type filter hook forward priority 0; policy accept;
                udp dport 4789 counter
                ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/16 counter
              }
            }
            """
        let out = try Shell.run(["ip", "netns", "exec", router.name, "nft", "-f", "-"], stdin: Data(rules.utf8))
        if out.status != 0 { throw ShellError(command: "nft -f - in \(router.name)", output: out) }
    }

    /// (VXLAN packets, pod-to-pod packets) the router forwarded since `countRouterTraffic`.
    func routerTraffic() throws -> (vxlan: Int, pods: Int) {
        let text = try router.run(["nft", "list", "chain", "inet", "swcni_test", "forward"])
        let counts = text.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: #"packets [0-9]+"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(8))
        }
        return (counts.first ?? -1, counts.dropFirst().first ?? -1)
    }
}
