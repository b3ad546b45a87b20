import Foundation

/// Two namespaces standing in for a node and a pod: the plugins run inside `host` (`ip netns
/// exec`), so their IFB devices and qdiscs never touch the real host. The pod's `eth0` is a
/// veth whose peer lives in `host`, addressed 10.77.<n>.1 (host) and 10.77.<n>.2 (pod).
final class BandwidthLab {
    let host: TestNamespace
    let pod: TestNamespace
    let hostVeth: String
    let containerID: String
    let subnet: Int
    var hostIP: String { "10.77.\(subnet).1" }
    var podIP: String { "10.77.\(subnet).2" }

    private static let subnets = Counter()

    init() throws {
        host = try TestNamespace(prefix: "bwh")
        pod = try TestNamespace(prefix: "bwc")
        subnet = Self.subnets.next() % 250
        hostVeth = "veth" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        containerID = "c" + TestEnvironment.uniqueName("b").replacingOccurrences(of: "-", with: "")
        try Shell.must(["ip", "-n", host.name, "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", pod.name])
        for (ns, dev, address) in [(host, hostVeth, hostIP), (pod, "eth0", podIP)] {
            try Shell.must(["ip", "-n", ns.name, "addr", "add", "\(address)/24", "dev", dev])
            try Shell.must(["ip", "-n", ns.name, "link", "set", dev, "up"])
            try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"])
        }
    }

    func remove() {
        pod.remove()
        host.remove()
    }

    static func with(_ body: (BandwidthLab) throws -> Void) throws {
        let lab = try BandwidthLab()
        defer { lab.remove() }
        try body(lab)
    }

    func prevResult(version: String = "1.0.0") -> String {
        let ipVersion = version < "1.0.0" ? #","version":"4""# : ""
        return #"{"cniVersion":"\#(version)","interfaces":[{"name":"\#(hostVeth)"},{"name":"eth0","sandbox":"\#(pod.path)"}],"#
            + #""ips":[{"address":"\#(podIP)/24","interface":1\#(ipVersion)}]}"#
    }

    func config(_ options: String, version: String = "1.0.0", network: String = "bwnet", withPrevResult: Bool = true) -> String {
        let prev = withPrevResult ? ",\"prevResult\":\(prevResult(version: version))" : ""
        let extra = options.isEmpty ? "" : ",\(options)"
        return #"{"cniVersion":"\#(version)","name":"\#(network)","type":"bandwidth"\#(extra)\#(prev)}"#
    }

    /// Runs our plugin (or the reference) inside the host namespace.
    func run(_ command: String, _ config: String, reference: Bool = false, netns: String? = nil,
             containerID: String? = nil, plugin: String = "bandwidth") throws -> PluginExec.Output {
        let binary = reference ? TestEnvironment.reference(plugin) : TestEnvironment.binary(plugin)
        let env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_CONTAINERID": containerID ?? self.containerID,
                   "CNI_NETNS": netns ?? pod.path, "CNI_IFNAME": "eth0", "CNI_PATH": (binary as NSString).deletingLastPathComponent]
        let out = try Shell.run(["ip", "netns", "exec", host.name, binary], stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// `tc -j qdisc show dev <dev>` in the host namespace, as (kind, handle) pairs.
    func qdiscs(_ dev: String) throws -> [(kind: String, handle: String)] {
        let list = try Shell.json(["tc", "-n", host.name, "-j", "qdisc", "show", "dev", dev]) as? [[String: Any]] ?? []
        return list.map { ($0["kind"] as? String ?? "", $0["handle"] as? String ?? "") }
    }

    /// Kinds of the qdiscs the plugin may add (`tbf`, `ingress`), ignoring the defaults.
    func shapingQdiscs(_ dev: String) throws -> [String] {
        try qdiscs(dev).map(\.kind).filter { $0 == "tbf" || $0 == "ingress" }.sorted()
    }

    /// Links of kind ifb in the host namespace, once no retired IFB (`bwpdel…`, deleted by
    /// DEL's background process) is left; after 3 s the retired ones are listed too.
    func ifbs() throws -> [String] {
        let deadline = Date().addingTimeInterval(3)
        while true {
            let list = try Shell.json(["ip", "-n", host.name, "-j", "-d", "link", "show", "type", "ifb"]) as? [[String: Any]] ?? []
            let names = list.compactMap { $0["ifname"] as? String }.sorted()
            if !names.contains(where: { $0.hasPrefix("bwpdel") }) || Date() > deadline { return names }
            usleep(10_000)
        }
    }

    /// The tbf root of `dev`: rate in bytes/s and burst in bytes, as `tc -j` reports them.
    func tbf(_ dev: String) throws -> [String: Any]? {
        let list = try Shell.json(["tc", "-n", host.name, "-j", "qdisc", "show", "dev", dev]) as? [[String: Any]] ?? []
        return list.first { $0["kind"] as? String == "tbf" }?["options"] as? [String: Any]
    }

    /// TCP goodput in Mbit/s measured by iperf3 at the receiver: pod → host (`fromPod`,
    /// shaped by the egress limit) or host → pod (shaped by the ingress limit).
    func iperf(fromPod: Bool, seconds: Int = 4, port: Int = 5201) throws -> Double {
        try Self.iperf(server: host, address: hostIP, client: pod, clientSends: fromPod, seconds: seconds, port: port)
    }

    /// TCP goodput in Mbit/s measured by iperf3 at the receiver, between an iperf3 server in
    /// `server` bound to `address` and a client in `client`: client → server when
    /// `clientSends`, else server → client (`-R`). The first second is omitted (slow start).
    static func iperf(
        server: TestNamespace, address: String, client: TestNamespace, clientSends: Bool, seconds: Int = 4, port: Int = 5201
    ) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", server.name, "iperf3", "-s", "-1", "-B", address, "-p", "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        var output: Shell.Output?
        for _ in 0..<50 {
            usleep(100_000)
            let out = try Shell.run(["ip", "netns", "exec", client.name, "iperf3", "-c", address, "-p", "\(port)", "-t", "\(seconds)",
                                     "-O", "1", "-J"] + (clientSends ? [] : ["-R"]))
            if out.status == 0 { output = out; break }
            if !out.stdout.contains("Connection refused") && !out.stdout.contains("unable to connect") { output = out; break }
        }
        guard let output, output.status == 0,
              let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
              let end = json["end"] as? [String: Any], let received = end["sum_received"] as? [String: Any],
              let bps = received["bits_per_second"] as? Double
        else { throw ShellError(command: "iperf3", output: output ?? .init(status: -1, stdout: "", stderr: "no run")) }
        return bps / 1_000_000
    }
}
