import Foundation
import Testing

/// A node for the portmap tests: a `BridgeTestHost` ("node" namespace, bridge + host-local
/// pods on 10.88.0.0/24 and fd88::/64, isGateway/isDefaultGateway, hairpinMode: with
/// br_netfilter active, as on this machine, a pod's own hostPort is bridged back to its own
/// port after the DNAT, which needs hairpin mode, as with the reference) plus a "client"
/// namespace on an uplink (node 192.168.77.1 / fd00:77::1, client .2 / ::2).
final class PortMapLab: @unchecked Sendable {
    let host: BridgeTestHost
    let client: TestNamespace
    static let nodeV4 = "192.168.77.1"
    static let nodeV6 = "fd00:77::1"
    static let clientV4 = "192.168.77.2"

    init(_ host: BridgeTestHost) throws {
        self.host = host
        client = try TestNamespace(prefix: "pmc")
        let n = host.host.name
        try Shell.must(["ip", "-n", n, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", client.name])
        try Shell.must(["ip", "-n", n, "addr", "add", "\(Self.nodeV4)/24", "dev", "up0"])
        try Shell.must(["ip", "-n", n, "addr", "add", "\(Self.nodeV6)/64", "dev", "up0", "nodad"])
        try Shell.must(["ip", "-n", n, "link", "set", "up0", "up"])
        try Shell.must(["ip", "-n", client.name, "link", "set", "lo", "up"])
        try Shell.must(["ip", "-n", client.name, "addr", "add", "\(Self.clientV4)/24", "dev", "eth0"])
        try Shell.must(["ip", "-n", client.name, "addr", "add", "fd00:77::2/64", "dev", "eth0", "nodad"])
        try Shell.must(["ip", "-n", client.name, "link", "set", "eth0", "up"])
        try host.host.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"])
    }

    static func with(_ body: (PortMapLab) throws -> Void) throws {
        try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.binDir
            let lab = try PortMapLab(h)
            defer { lab.client.remove() }
            try body(lab)
        }
    }

    var network: String { host.network }

    func bridgeConfig(version: String = "1.0.0") -> String {
        host.config(#""isGateway":true,"isDefaultGateway":true,"hairpinMode":true"#, ipam: host.ipam(), version: version)
    }

    /// A pod attached by our bridge; returns its namespace and the bridge's result.
    func pod(_ id: String, version: String = "1.0.0") throws -> (ns: TestNamespace, result: String) {
        let ns = try host.newContainer()
        let out = try host.exec("ADD", config: bridgeConfig(version: version), container: ns, containerID: id)
        guard out.status == 0 else { throw ShellError(command: "bridge ADD", output: Shell.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)) }
        return (ns, out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A portmap configuration: `options` are extra members, `mappings` the JSON list.
    func portmapConfig(
        mappings: String?, options: String = "", prevResult: String?, version: String = "1.0.0", type: String = "portmap"
    ) -> String {
        var text = #"{"cniVersion":"\#(version)","name":"\#(network)","type":"\#(type)""#
        if !options.isEmpty { text += "," + options }
        if let mappings { text += #","runtimeConfig":{"portMappings":\#(mappings)}"# }
        if let prevResult { text += #","prevResult":\#(prevResult)"# }
        return text + "}"
    }

    /// Execs portmap (ours unless `binary` says otherwise) in the node namespace.
    func portmap(
        _ command: String, _ config: String, pod: TestNamespace?, id: String,
        binary: String = TestEnvironment.binary("portmap")
    ) throws -> PluginExec.Output {
        try host.exec(command, config: config, container: pod, containerID: id, binary: binary)
    }

    /// The node's `inet swcni_portmap` table text, or nil when it does not exist.
    func portmapTable() throws -> String? {
        let out = try Shell.run(["ip", "netns", "exec", host.host.name, "nft", "-a", "list", "table", "inet", "swcni_portmap"])
        return out.status == 0 ? out.stdout : nil
    }

    // MARK: Traffic

    /// A server in `pod`: TCP `port` (IPv4 and IPv6) answering each connection with the peer
    /// address it saw, and UDP `port` answering each datagram with "pong". Killed after `body`.
    static func withServer(in pod: TestNamespace, port: Int = 80, _ body: () throws -> Void) throws {
        let command = "ip netns exec \(pod.name) python3 -c '\(serverScript)' \(port) </dev/null >/dev/null 2>&1 & echo $!"
        let pid = try Shell.must(["sh", "-c", command]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run(["kill", "-9", pid]) }
        for _ in 0..<100 {
            if try pod.run(["ss", "-Htln", "sport = :\(port)"]).contains(":\(port)") { break }
            usleep(50_000)
        }
        try body()
    }

    static let serverScript = """
        import os, socket, sys, threading
        os.closerange(3, 4096)
        port = int(sys.argv[1])
        def tcp(family, addr):
            s = socket.socket(family)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port)); s.listen(64)
            while True:
                c, a = s.accept()
                try: c.sendall(a[0].encode())
                except OSError: pass
                c.close()
        def udp(family, addr):
            s = socket.socket(family, socket.SOCK_DGRAM)
            if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port))
            while True:
                d, a = s.recvfrom(100)
                s.sendto(b"pong", a)
        for f, a in ((socket.AF_INET6, "::"),):
            threading.Thread(target=tcp, args=(f, a), daemon=True).start()
        for f, a in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            threading.Thread(target=udp, args=(f, a), daemon=True).start()
        tcp(socket.AF_INET, "0.0.0.0")
        """

    /// Connects from `ns` to `address`:`port` and returns what the server said (the source
    /// address it saw), or nil when no connection could be made within 2 s.
    /// `attempts` > 1 retries a failed connection (for checks that must succeed while a
    /// just-added IPv6 address may still be settling).
    static func tcpSourceSeen(from ns: TestNamespace, _ address: String, port: Int, attempts: Int = 1) throws -> String? {
        for _ in 1..<max(attempts, 1) {
            if let seen = try tcpSourceSeen(from: ns, address, port: port) { return seen }
        }
        return try tcpSourceSeenOnce(from: ns, address, port: port)
    }

    private static func tcpSourceSeenOnce(from ns: TestNamespace, _ address: String, port: Int) throws -> String? {
        let script = """
            import socket, sys
            try:
                s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
                print(s.recv(100).decode())
            except OSError as e:
                print("error:", e); sys.exit(3)
            """
        let out = try Shell.run(["ip", "netns", "exec", ns.name, "python3", "-c", script, address, String(port)])
        return out.status == 0 ? out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// A UDP flow from `ns` (fixed source port) to `address`:`port`, one datagram every
    /// 50 ms for `seconds`; `during` runs after the first second. Returns the replies counted.
    static func udpFlow(
        from ns: TestNamespace, _ address: String, port: Int, sourcePort: Int = 40123, seconds: Double = 3,
        during: () throws -> Void
    ) throws -> Int {
        let script = """
            import os, socket, sys, time
            os.closerange(3, 4096)
            fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[4]))); s.settimeout(0.05)
            end = time.time() + float(sys.argv[3]); replies = 0
            while time.time() < end:
                try: s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
                except OSError: pass
                try:
                    if s.recv(100) == b"pong": replies += 1
                except OSError: pass
            print(replies)
            """
        let outFile = "\(NSTemporaryDirectory())swcni-udpflow-\(TestEnvironment.uniqueName("u"))"
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        let command = "ip netns exec \(ns.name) python3 -c '\(script)' \(address) \(port) \(seconds) \(sourcePort) </dev/null >\(outFile) 2>&1 & echo $!"
        let pid = try Shell.must(["sh", "-c", command]).trimmingCharacters(in: .whitespacesAndNewlines)
        Thread.sleep(forTimeInterval: 1)
        try during()
        for _ in 0..<Int(seconds * 20 + 40) {
            if (try? Shell.run(["kill", "-0", pid]))?.status != 0 { break }
            usleep(50_000)
        }
        let text = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
