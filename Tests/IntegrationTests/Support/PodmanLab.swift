import Foundation
import Testing

/// A podman (Debian's 4.3, CNI backend) that sees ONLY our plugins and keeps all its state in
/// a temporary directory: its own storage (`--root`, `--runroot`), containers.conf with
/// `cni_plugin_dirs` = a directory of links to our release binaries and its own
/// `network_config_dir`, and a local image made from busybox-static (no registry).
/// `with` removes containers, networks, bridges, the image and the directory even on failure.
final class PodmanLab: @unchecked Sendable {
    /// The plugins podman's default conflist chains (bridge + host-local, portmap, firewall,
    /// tuning) plus loopback, which podman runs for every container.
    static let plugins = ["loopback", "bridge", "host-local", "portmap", "firewall", "tuning"]
    static let image = "localhost/swcni-busybox:test"
    /// host-local's default dataDir (the conflist podman writes names none).
    static let reservationDir = "/var/lib/cni/networks"

    struct Network {
        var name: String
        var bridge: String
        /// `10.a.b` of the network's /24.
        var prefix: String
        var subnet: String { "\(prefix).0/24" }
        var gateway: String { "\(prefix).1" }
        var conflistPath: String
    }

    let dir: String
    let pluginDir: String
    let configDir: String
    private(set) var networks: [Network] = []

    private init() throws {
        dir = try TestEnvironment.makeTempDir("podman")
        pluginDir = "\(dir)/plugins"
        configDir = "\(dir)/net.d"
        for sub in ["plugins", "net.d", "root", "runroot", "tmp", "rootfs/bin", "rootfs/tmp", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/etc"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        for plugin in Self.plugins {
            try FileManager.default.createSymbolicLink(atPath: "\(pluginDir)/\(plugin)", withDestinationPath: TestEnvironment.binary(plugin))
        }
        // No CAP_SYS_RESOURCE on CI machines: podman's default rlimits (nofile 1048576) cannot
        // be set, so the containers get lower ones. runc, not crun: crun refuses the hybrid
        // cgroup v1/v2 layout these machines have.
        let conf = """
            [containers]
            default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

            [network]
            network_backend = "cni"
            cni_plugin_dirs = ["\(pluginDir)"]
            network_config_dir = "\(configDir)"
            default_subnet = "10.255.255.0/24"

            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            events_logger = "none"
            tmp_dir = "\(dir)/tmp"
            static_dir = "\(dir)/root/libpod"
            volume_path = "\(dir)/root/volumes"

            """
        try conf.write(toFile: "\(dir)/containers.conf", atomically: true, encoding: .utf8)
        let storage = """
            [storage]
            driver = "vfs"
            runroot = "\(dir)/runroot"
            graphroot = "\(dir)/root"

            """
        try storage.write(toFile: "\(dir)/storage.conf", atomically: true, encoding: .utf8)
    }

    /// Runs `body` with a fresh lab holding the busybox image; cleans up whatever happens.
    static func with(_ body: (PodmanLab) throws -> Void) throws {
        let missing = plugins.filter { !FileManager.default.isExecutableFile(atPath: TestEnvironment.binary($0)) }
        guard missing.isEmpty else {
            // podman's default conflist chains these: without them no container gets a network.
            Issue.record("our binaries missing in \(TestEnvironment.binDir): \(missing.joined(separator: ", ")) (podman's default conflist needs them)")
            return
        }
        let lab = try PodmanLab()
        defer { lab.cleanUp() }
        try lab.importImage()
        try body(lab)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["CONTAINERS_CONF"] = "\(dir)/containers.conf"
        env["CONTAINERS_STORAGE_CONF"] = "\(dir)/storage.conf"
        env["CONTAINERS_REGISTRIES_CONF"] = "\(dir)/registries.conf"
        env["TMPDIR"] = "\(dir)/tmp"
        return env
    }

    /// `podman --root --runroot ... args`, which must succeed; returns stdout.
    @discardableResult
    func podman(_ args: [String]) throws -> String {
        let out = try run(args)
        guard out.status == 0 else { throw ShellError(command: "podman " + args.joined(separator: " "), output: out) }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// podman's output goes to files, not pipes: `run -d` leaves conmon holding the inherited
    /// descriptors, so a pipe would never reach end of file.
    func run(_ args: [String]) throws -> Shell.Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/podman")
        process.arguments = ["--root", "\(dir)/root", "--runroot", "\(dir)/runroot", "--network-config-dir", configDir] + args
        process.environment = environment
        let outPath = "\(dir)/tmp/out-\(TestEnvironment.uniqueName("p"))"
        let errPath = outPath + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Shell.Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// The image: busybox-static's binary and its applet links, imported from a tar.
    private func importImage() throws {
        let rootfs = "\(dir)/rootfs"
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(rootfs)/bin/busybox")
        for applet in ["sh", "nc", "httpd", "ip", "sleep", "cat", "echo", "printf", "timeout", "ls"] {
            try FileManager.default.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try Shell.must(["chmod", "1777", "\(rootfs)/tmp"])
        try Shell.must(["tar", "-C", rootfs, "-cf", "\(dir)/rootfs.tar", "."])
        try podman(["import", "-q", "\(dir)/rootfs.tar", Self.image])
    }

    /// `podman network create` with nothing but a subnet of our own, so the conflist is
    /// podman's default one (podman picks a free `cni-podmanN` bridge name).
    func createNetwork() throws -> Network {
        let name = TestEnvironment.uniqueName("swpod")
        let prefix = try Self.freePrefix()
        try podman(["network", "create", "--subnet", "\(prefix).0/24", name])
        let conflistPath = "\(configDir)/\(name).conflist"
        let conflist = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: conflistPath))) as? [String: Any]
        let first = (conflist?["plugins"] as? [[String: Any]])?.first
        let bridge = first?["bridge"] as? String ?? ""
        let network = Network(name: name, bridge: bridge, prefix: prefix, conflistPath: conflistPath)
        networks.append(network)
        return network
    }

    /// A `10.a.b` /24 that no route of the host covers (the host namespace is shared with
    /// everyone), distinct per call.
    private static func freePrefix() throws -> String {
        let routes = try Shell.must(["ip", "-4", "route", "show", "table", "all"])
        for _ in 0..<64 {
            let candidate = "10.\(Int.random(in: 64...191)).\(Int.random(in: 1...254))"
            if !routes.contains("\(candidate).") { return candidate }
        }
        throw ShellError(command: "pick a free 10.x.y.0/24", output: Shell.Output(status: 1, stdout: routes, stderr: ""))
    }

    /// A detached container serving `marker` over HTTP on port 80; returns its full ID.
    func runServer(_ marker: String, extra: [String]) throws -> String {
        let id = try podman(
            ["run", "-d"] + extra + [Self.image, "sh", "-c", "echo \(marker) > /tmp/index.html; exec httpd -f -p 80 -h /tmp"])
        try waitForServer(id)
        return id
    }

    /// Until httpd listens inside the container (it starts after podman returns).
    private func waitForServer(_ id: String) throws {
        for _ in 0..<50 {
            let out = try run(["exec", id, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 2 nc 127.0.0.1 80"])
            if out.status == 0, out.stdout.contains("200 OK") { return }
            usleep(100_000)
        }
        throw ShellError(command: "wait for httpd in \(id)", output: Shell.Output(status: 1, stdout: "", stderr: "no answer"))
    }

    /// The body an HTTP GET of `address:port` returns from inside container `id` (busybox nc;
    /// busybox wget crashes when statically linked), or nil when nothing answers.
    func fetch(from id: String, _ address: String, _ port: Int) throws -> String? {
        let out = try run(["exec", id, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc \(address) \(port)"])
        return Self.body(out.status == 0 ? out.stdout : "")
    }

    /// The same from a new container on `network` that exists only for the request.
    func fetchFromNewContainer(on network: Network, _ address: String, _ port: Int) throws -> String? {
        let out = try run(
            ["run", "--rm", "--network", network.name, Self.image, "sh", "-c",
             "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 nc \(address) \(port)"])
        return Self.body(out.status == 0 ? out.stdout : "")
    }

    /// The same from the host (the test process's namespace).
    static func fetchFromHost(_ address: String, _ port: Int) -> String? {
        guard let out = try? Shell.run(
            ["python3", "-c",
             "import sys,urllib.request;sys.stdout.write(urllib.request.urlopen('http://\(address):\(port)/',timeout=3).read().decode())"]),
            out.status == 0
        else { return nil }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func body(_ response: String) -> String? {
        guard response.contains("200 OK"), let range = response.range(of: "\r\n\r\n") else { return nil }
        return response[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ip -4 -o addr` of `ifname` inside the container: its IPv4 addresses.
    func addresses(of id: String, _ ifname: String) throws -> [String] {
        let text = try podman(["exec", id, "ip", "-4", "-o", "addr", "show", "dev", ifname])
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
            return String(fields[i + 1].split(separator: "/")[0])
        }
    }

    /// Host interfaces enslaved to `bridge` (the containers' host-side veths).
    static func ports(of bridge: String) throws -> [String] {
        let links = try Shell.json(["ip", "-j", "link", "show", "master", bridge]) as? [[String: Any]] ?? []
        return links.compactMap { $0["ifname"] as? String }
    }

    /// host-local's reservation files for `network`.
    static func reservations(_ network: Network) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(reservationDir)/\(network.name)")) ?? []
        return entries.filter { $0.hasPrefix(network.prefix + ".") }
    }

    /// The host's ruleset as JSON text (observation only).
    static func ruleset() throws -> String { try Shell.must(["nft", "-j", "list", "ruleset"]) }

    /// conntrack entries whose original direction has `port` as its destination port.
    static func conntrackEntries(port: Int) throws -> [String] {
        var lines: [String] = []
        for proto in ["tcp", "udp"] {
            let out = try Shell.run(["conntrack", "-L", "-p", proto, "--orig-port-dst", String(port)])
            lines += out.stdout.split(separator: "\n").map(String.init)
        }
        return lines
    }

    static func conntrackEntries(address: String) throws -> [String] {
        var lines: [String] = []
        for flag in ["--orig-dst", "--reply-src"] {
            let out = try Shell.run(["conntrack", "-L", flag, address])
            lines += out.stdout.split(separator: "\n").map(String.init)
        }
        return lines
    }

    /// A host port for `-p`, unused by any listener now.
    static func freeHostPort() throws -> Int {
        let listening = try Shell.must(["ss", "-Htan"]) + (try Shell.must(["ss", "-Huan"]))
        for _ in 0..<64 {
            let port = Int.random(in: 20000...29999)
            if !listening.contains(":\(port) ") { return port }
        }
        return Int.random(in: 20000...29999)
    }

    private func cleanUp() {
        _ = try? run(["rm", "-a", "-f", "-t", "0"])
        for network in networks {
            _ = try? run(["network", "rm", "-f", network.name])
            if !network.bridge.isEmpty { _ = try? Shell.run(["ip", "link", "del", network.bridge]) }
            try? FileManager.default.removeItem(atPath: "\(Self.reservationDir)/\(network.name)")
        }
        _ = try? run(["rmi", "-a", "-f"])
        try? FileManager.default.removeItem(atPath: dir)
    }
}
