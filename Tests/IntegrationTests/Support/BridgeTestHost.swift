import Foundation
import Testing

/// A throw-away "host" network namespace in which the bridge plugin runs (exec'd with
/// `ip netns exec <host> bridge`), plus container namespaces, an IPAM data directory and a
/// bridge name unique to the test. Everything is removed by `close()`; `with` guarantees it.
final class BridgeTestHost: @unchecked Sendable {
    let host: TestNamespace
    let bridge: String
    let network: String
    let dataDir: String
    private(set) var containers: [TestNamespace] = []

    /// Where the IPAM plugin is found (`CNI_PATH`): our host-local, next to the bridge binary,
    /// when it was built; else the reference one (which accepts cniVersion up to 1.0.0).
    /// `SWIFT_CNI_BRIDGE_IPAM=reference` forces the reference.
    var ipamDir: String = {
        let ours = TestEnvironment.binary("host-local")
        if ProcessInfo.processInfo.environment["SWIFT_CNI_BRIDGE_IPAM"] != "reference",
            FileManager.default.isExecutableFile(atPath: ours)
        {
            return TestEnvironment.binDir
        }
        return TestEnvironment.referenceDir
    }()

    init() throws {
        host = try TestNamespace(prefix: "brh")
        try host.run(["ip", "link", "set", "lo", "up"])
        bridge = "br\(TestEnvironment.runID.suffix(6))\(Counter.shared.next())"
        network = "net-\(TestEnvironment.uniqueName("b"))"
        dataDir = try TestEnvironment.makeTempDir("bridge-ipam")
    }

    func close() {
        containers.forEach { $0.remove() }
        host.remove()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    static func with<T>(_ body: (BridgeTestHost) throws -> T) throws -> T {
        let h = try BridgeTestHost()
        defer { h.close() }
        return try body(h)
    }

    func newContainer() throws -> TestNamespace {
        let ns = try TestNamespace(prefix: "brc")
        containers.append(ns)
        return ns
    }

    /// A dual-stack (or single-family) host-local `ipam` object with this host's data directory.
    func ipam(v4: String? = "10.88.0.0/24", v6: String? = "fd88::/64", extra: String = "") -> String {
        var sets: [String] = []
        if let v4 { sets.append(#"[{"subnet":"\#(v4)"}]"#) }
        if let v6 { sets.append(#"[{"subnet":"\#(v6)"}]"#) }
        return #"{"type":"host-local","dataDir":"\#(dataDir)","ranges":[\#(sets.joined(separator: ","))]\#(extra)}"#
    }

    /// A bridge configuration: `options` are extra members (without braces).
    func config(_ options: String = "", ipam: String? = nil, version: String = "1.0.0", prevResult: String? = nil) -> String {
        var text = #"{"cniVersion":"\#(version)","name":"\#(network)","type":"bridge","bridge":"\#(bridge)""#
        if !options.isEmpty { text += "," + options }
        if let ipam { text += #","ipam":\#(ipam)"# }
        if let prevResult { text += #","prevResult":\#(prevResult)"# }
        return text + "}"
    }

    /// Execs our bridge binary inside the host namespace, the way a runtime would.
    func exec(
        _ command: String, config: String, container: TestNamespace?, containerID: String = "ctr", ifname: String = "eth0",
        netns: String? = nil, args: String? = nil, binary: String = TestEnvironment.binary("bridge")
    ) throws -> PluginExec.Output {
        var env: [String: String] = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_CONTAINERID": containerID,
            "CNI_IFNAME": ifname, "CNI_PATH": ipamDir,
        ]
        if let path = netns ?? container?.path { env["CNI_NETNS"] = path }
        if command == "GC" || command == "STATUS" {
            env["CNI_CONTAINERID"] = nil
            env["CNI_IFNAME"] = nil
            env["CNI_NETNS"] = nil
        }
        if let args { env["CNI_ARGS"] = args }
        let out = try Shell.run(["/usr/sbin/ip", "netns", "exec", host.name, binary], stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// ADD that must succeed; returns the printed result.
    @discardableResult
    func add(_ config: String, container: TestNamespace, containerID: String = "ctr", args: String? = nil) throws -> PluginExec.Output {
        let out = try exec("ADD", config: config, container: container, containerID: containerID, args: args)
        #expect(out.status == 0, "ADD: \(out.summary)")
        return out
    }

    // MARK: Observation inside the host namespace

    func json(_ arguments: [String]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try host.run(arguments).utf8))
    }

    /// `ip -j -d link show dev <name>` in the host, or nil when there is no such link.
    func link(_ name: String) throws -> [String: Any]? {
        let out = try Shell.run(["ip", "-n", host.name, "-j", "-d", "link", "show", "dev", name])
        guard out.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])?.first
    }

    func hostAddresses(_ name: String) throws -> [String] { try addressList(host, name) }

    func addressList(_ ns: TestNamespace, _ name: String) throws -> [String] {
        let out = try Shell.run(["ip", "-n", ns.name, "-j", "addr", "show", "dev", name])
        guard out.status == 0 else { return [] }
        let parsed = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
        return parsed.flatMap { entry in
            (entry["addr_info"] as? [[String: Any]] ?? []).compactMap { info in
                guard let local = info["local"] as? String, let len = info["prefixlen"] as? Int,
                    (info["scope"] as? String) != "link"
                else { return nil }
                return "\(local)/\(len)"
            }
        }
    }

    /// Names of the host's veth links.
    /// Host veths. DEL deletes a pod's veth pair in the background after marking the host end
    /// with a `swcni-tomb` alias (docs/bridge.md), so this waits (at most 5 s) for marked
    /// pairs to disappear; one still there after that is listed, and fails the caller's check.
    func hostVeths() throws -> [String] {
        let deadline = Date().addingTimeInterval(5)
        while true {
            let links = try json(["ip", "-j", "-d", "link", "show", "type", "veth"]) as? [[String: Any]] ?? []
            let retiring = links.contains { ($0["ifalias"] as? String)?.hasPrefix("swcni-tomb") == true }
            if !retiring || Date() >= deadline { return links.compactMap { $0["ifname"] as? String } }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The `nft list ruleset` text of the host namespace.
    func ruleset() throws -> String { try host.run(["nft", "list", "ruleset"]) }

    /// Reservation files of host-local for this network (IP-named files).
    func reservations() throws -> [String] {
        let dir = "\(dataDir)/\(network)"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return files.filter { !$0.hasPrefix("last_reserved_ip") && $0 != "lock" && !$0.hasPrefix(".") }.sorted()
    }

    /// Everything a leak could show up in: links, addresses, routes, rules, reservations.
    func snapshot() throws -> String {
        var parts: [String] = []
        parts.append(try host.run(["ip", "-br", "link"]))
        parts.append(try host.run(["ip", "-br", "addr"]))
        parts.append(try host.run(["ip", "route", "show", "table", "all"]))
        parts.append(try host.run(["ip", "-6", "route", "show", "table", "all"]))
        parts.append(try host.run(["bridge", "vlan", "show"]))
        parts.append(try Shell.run(["ip", "netns", "exec", host.name, "bridge", "fdb", "show", "br", bridge]).stdout)
        parts.append(try ruleset())
        parts.append(try reservations().joined(separator: "\n"))
        return parts.joined(separator: "\n----\n")
    }

    /// The snapshot once it equals `expected`, or the last one after `timeout` seconds: the
    /// kernel updates carrier/operational state asynchronously (linkwatch, up to a second),
    /// so a bridge that just lost its last port may still show carrier for a moment.
    func snapshot(settlingTo expected: String, timeout: TimeInterval = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var current = try snapshot()
        while current != expected && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            current = try snapshot()
        }
        return current
    }

    /// Lines only in `a` and lines only in `b`, for a readable failure message.
    static func difference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\n").map(String.init)
        let right = b.split(separator: "\n").map(String.init)
        let removed = left.filter { !right.contains($0) }.map { "- \($0)" }
        let added = right.filter { !left.contains($0) }.map { "+ \($0)" }
        return (removed + added).joined(separator: "\n")
    }

    // MARK: Traffic

    /// One ICMP echo from `ns` to `address` (python raw socket: the machine has no ping).
    func ping(from ns: TestNamespace, _ address: String, timeout: Double = 2) throws -> Bool {
        let out = try Shell.run(["ip", "netns", "exec", ns.name, "python3", "-c", Self.pingScript, address, String(timeout)])
        return out.status == 0
    }

    static let pingScript = #"""
        import socket, struct, sys, os, time, select
        def csum(b):
            if len(b) % 2: b += b'\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
            return ~s & 0xffff
        dst = sys.argv[1]; v6 = ':' in dst; ident = os.getpid() & 0xffff
        if v6:
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6); typ, rtyp = 128, 129
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); typ, rtyp = 8, 0
        payload = b'swift-cni'
        pkt = struct.pack('!BBHHH', typ, 0, 0, ident, 1) + payload
        if not v6: pkt = struct.pack('!BBHHH', typ, 0, csum(pkt), ident, 1) + payload
        deadline = time.time() + float(sys.argv[2])
        s.sendto(pkt, (dst, 0))
        while time.time() < deadline:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
            if not r: break
            data, addr = s.recvfrom(2048)
            if not v6: data = data[(data[0] & 0xf) * 4:]
            t, c, _, i, seq = struct.unpack('!BBHHH', data[:8])
            if t == rtyp and i == ident and addr[0] == dst: sys.exit(0)
        sys.exit(1)
        """#
}

extension BridgeTestHost {
    /// Whether this kernel can turn on VLAN filtering on a bridge (CONFIG_BRIDGE_VLAN_FILTERING);
    /// probed once in a throw-away namespace.
    static let kernelSupportsVLANFiltering: Bool = {
        guard TestEnvironment.isRoot, let ns = try? TestNamespace(prefix: "brv") else { return false }
        defer { ns.remove() }
        let out = try? Shell.run(["ip", "-n", ns.name, "link", "add", "vf0", "type", "bridge", "vlan_filtering", "1"])
        return out?.status == 0
    }()
}

extension Counter {
    static let shared = Counter()
}

extension PluginExec.Output {
    /// The result's `ips[].address` values.
    var addresses: [String] { (json?["ips"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String } }
    /// The result's interface names, in order.
    var interfaceNames: [String] { (json?["interfaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
    /// The host veth name (interface 1).
    var hostVeth: String? { interfaceNames.count > 1 ? interfaceNames[1] : nil }
}
