import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A podman (Debian's 4.3, CNI backend) that sees ONLY our plugins and keeps its state in a
/// temporary directory: its own storage (`--root`, `--runroot`), a containers.conf whose
/// `cni_plugin_dirs` is a directory of links to our release binaries, its own
/// `network_config_dir`, and a local image made from busybox-static (no registry).
/// `with` removes containers, networks, bridges, reservations, the image and the directory
/// even on failure.
final class PodmanLab: @unchecked Sendable {
    static let podmanPath = "/usr/bin/podman"
    static let runcPath = "/usr/sbin/runc"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: podmanPath) }

    /// The plugins podman's default conflist chains (bridge + host-local, portmap, firewall,
    /// tuning) plus loopback, which podman runs for every container.
    static let plugins = ["loopback", "bridge", "host-local", "portmap", "firewall", "tuning"]
    static let image = "localhost/swcni-busybox:test"
    /// host-local's default dataDir (the conflist podman writes names none).
    static let reservationDir = "/var/lib/cni/networks"
    /// Held for a lab's lifetime: podman names bridges `cni-podmanN` after the first N no live
    /// interface and no network of ITS config directory uses, so two labs (here or in another
    /// test process on this machine) would pick the same name before either bridge exists.
    static let lockPath = "/run/lock/swcni-podman-tests.lock"
    /// No podman command of these tests takes this long; a stuck one is killed, not waited for.
    static let commandTimeout = 60

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
        // cni_plugin_dirs names only our binaries: podman's default list puts /usr/lib/cni
        // (Debian's Go plugins) first. No CAP_SYS_RESOURCE on CI machines: podman's default
        // rlimits (nofile 1048576) cannot be set, so the containers get lower ones. runc, not
        // crun: crun refuses the hybrid cgroup v1/v2 layout these machines have.
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
        try "unqualified-search-registries = []\n".write(toFile: "\(dir)/registries.conf", atomically: true, encoding: .utf8)
    }

    /// Runs `body` with a fresh lab holding the busybox image; cleans up whatever happens.
    static func with(_ body: (PodmanLab) throws -> Void) throws {
        let missing = plugins.filter { !FileManager.default.isExecutableFile(atPath: TestEnvironment.binary($0)) }
        guard missing.isEmpty else {
            // podman's default conflist chains these: without them no container gets a network.
            Issue.record("our binaries missing in \(TestEnvironment.binDir): \(missing.joined(separator: ", ")) (podman's default conflist needs them)")
            return
        }
        guard FileManager.default.isExecutableFile(atPath: runcPath) else {
            Issue.record("podman is installed but \(runcPath) is not (scripts/setup.sh installs runc)")
            return
        }
        let lock = try HostLock(path: lockPath, timeoutSeconds: 300)
        defer { lock.release() }
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

    /// Runs podman through `spawner`: Foundation's `Process` learns that a child exited when
    /// a socket the child inherits is closed, and `podman run -d` leaves conmon (the
    /// container's monitor, a daemon) holding every descriptor podman had, so `waitUntilExit`
    /// would wait for the container to end. The spawner is the child `Process` waits for; it
    /// starts podman with only stdin (/dev/null), stdout and stderr (files, not pipes, for the
    /// same reason), in a new session, and kills that session's processes after `timeout`.
    func run(_ args: [String], timeout: Int = PodmanLab.commandTimeout) throws -> Shell.Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments =
            ["-c", Self.spawner, String(timeout), Self.podmanPath, "--root", "\(dir)/root", "--runroot", "\(dir)/runroot", "--network-config-dir", configDir] + args
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
        let output = Shell.Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        if output.status == 124 {
            throw ShellError(command: "podman " + args.joined(separator: " ") + " (killed after \(timeout) s)", output: output)
        }
        return output
    }

    /// `python3 -c spawner TIMEOUT COMMAND...`: exits with COMMAND's status (128 + signal when
    /// killed), or 124 after killing COMMAND's session when it outlives TIMEOUT seconds.
    /// `subprocess` closes every descriptor but 0-2 in the child (`close_fds`).
    static let spawner = """
        import os, signal, subprocess, sys
        child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            status = child.wait(timeout=int(sys.argv[1]))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            sys.exit(124)
        sys.exit(128 - status if status < 0 else status)
        """

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
        let prefix = try freePrefix()
        // Recorded before podman runs: cleanup then removes the reservation directory even
        // if create fails half-way.
        networks.append(Network(name: name, bridge: "", prefix: prefix, conflistPath: "\(configDir)/\(name).conflist"))
        try podman(["network", "create", "--subnet", "\(prefix).0/24", name])
        let conflist = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: networks[networks.count - 1].conflistPath))) as? [String: Any]
        let first = (conflist?["plugins"] as? [[String: Any]])?.first
        networks[networks.count - 1].bridge = first?["bridge"] as? String ?? ""
        return networks[networks.count - 1]
    }

    /// A `10.a.b` /24 that no route or address of the host covers (the host namespace is
    /// shared with everyone), distinct per call.
    private func freePrefix() throws -> String {
        let used = try Shell.must(["ip", "-4", "route", "show", "table", "all"]) + (try Shell.must(["ip", "-4", "-o", "addr"]))
        for _ in 0..<64 {
            let candidate = "10.\(Int.random(in: 64...191)).\(Int.random(in: 1...254))"
            if !used.contains("\(candidate).") && !networks.contains(where: { $0.prefix == candidate }) { return candidate }
        }
        throw ShellError(command: "pick a free 10.x.y.0/24", output: Shell.Output(status: 1, stdout: used, stderr: ""))
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

    /// `ip -4 -o addr` of `ifname` (all interfaces but lo when nil) inside the container: its
    /// IPv4 addresses.
    func addresses(of id: String, _ ifname: String? = nil) throws -> [String] {
        let text = try podman(["exec", id, "ip", "-4", "-o", "addr", "show"] + (ifname.map { ["dev", $0] } ?? ["scope", "global"]))
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
            return String(fields[i + 1].split(separator: "/")[0])
        }
    }

    /// A host port for `-p`, unused by any listener now.
    static func freeHostPort() throws -> Int {
        let listening = try Shell.must(["ss", "-Htuan"])
        for _ in 0..<64 {
            let port = Int.random(in: 20000...29999)
            if !listening.contains(":\(port) ") { return port }
        }
        throw ShellError(command: "pick a free host port", output: Shell.Output(status: 1, stdout: listening, stderr: ""))
    }

    private func cleanUp() {
        _ = try? run(["rm", "-a", "-f", "-t", "0"])
        for network in networks {
            _ = try? run(["network", "rm", "-f", network.name])
            // podman's `network rm` deletes the bridge; one left behind (a failed rm) is
            // deleted only if it carries this network's gateway, i.e. it is ours.
            if !network.bridge.isEmpty,
                let out = try? Shell.run(["ip", "-4", "-o", "addr", "show", "dev", network.bridge]), out.status == 0,
                out.stdout.contains(" \(network.gateway)/")
            {
                _ = try? Shell.run(["ip", "link", "del", network.bridge])
            }
            try? FileManager.default.removeItem(atPath: "\(Self.reservationDir)/\(network.name)")
            Self.collectGarbage(of: network)
        }
        _ = try? run(["rmi", "-a", "-f"])
        try? FileManager.default.removeItem(atPath: dir)
    }
}

extension PodmanLab {
    /// A CNI GC with no valid attachment for each of our chained plugins on `network`, which
    /// podman 4.3 never sends: the rules a network keeps while its bridge exists (the bridge's
    /// forward accepts) and anything a failed test left go now rather than at the next DEL
    /// on this machine.
    static func collectGarbage(of network: Network) {
        for plugin in ["bridge", "portmap", "firewall", "tuning"] {
            let bridge = plugin == "bridge" ? #","bridge":"\#(network.bridge)""# : ""
            let config = #"{"cniVersion":"1.1.0","name":"\#(network.name)","type":"\#(plugin)"\#(bridge),"cni.dev/valid-attachments":[]}"#
            _ = try? PluginExec.ours(plugin, "GC", config: config, containerID: nil, ifname: nil).run()
        }
    }
}

/// An exclusive `flock` on a file, polled so a stuck holder fails the test instead of
/// hanging it. Released explicitly or when the process exits.
struct HostLock {
    let fd: Int32

    init(path: String, timeoutSeconds: Int) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ShellError(command: "open \(path)", output: Shell.Output(status: errno, stdout: "", stderr: String(cString: strerror(errno))))
        }
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            guard failure == EWOULDBLOCK || failure == EINTR, Date() < deadline else {
                close(fd)
                throw ShellError(
                    command: "flock \(path)",
                    output: Shell.Output(status: failure, stdout: "", stderr: failure == EWOULDBLOCK ? "still held after \(timeoutSeconds) s" : String(cString: strerror(failure))))
            }
            usleep(200_000)
        }
        self.fd = fd
    }

    func release() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
