import Foundation
import Testing

/// Inputs a hostile or broken caller can give, run against the real binaries the way a
/// runtime execs them (with a hard timeout, so a plugin that blocks fails the test instead of
/// hanging it): no path in `CNI_NETNS` may block or crash a plugin, templated or control
/// characters in names are refused before any change, and nothing is left behind.
@Suite("hostile input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct HostileInputTests {
    /// Seconds a plugin may take before the test calls it hung (they answer in milliseconds).
    static let limit = "20"

    /// Runs `plugin` inside namespace `ns` (so even a wrong answer cannot touch the node),
    /// killed after `limit` seconds; exit 137 then means it blocked.
    static func run(
        _ plugin: String, _ command: String, config: String, netns: String?, ifname: String = "eth0",
        args: String? = nil, in ns: TestNamespace, path: String = TestEnvironment.binDir
    ) throws -> PluginExec.Output {
        var env: [String: String] = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_CONTAINERID": "hostile1",
            "CNI_IFNAME": ifname, "CNI_PATH": path,
        ]
        if let netns { env["CNI_NETNS"] = netns }
        if let args { env["CNI_ARGS"] = args }
        let out = try Shell.run(
            ["/usr/sbin/ip", "netns", "exec", ns.name, "/usr/bin/timeout", "-s", "KILL", limit, TestEnvironment.binary(plugin)],
            stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// Paths that are not a network namespace, made in a temporary directory.
    struct Paths {
        let dir: String
        var fifo: String { "\(dir)/fifo" }
        var socket: String { "\(dir)/socket" }
        var loop: String { "\(dir)/loop-a" }
        var regular: String { "\(dir)/regular" }

        init() throws {
            dir = try TestEnvironment.makeTempDir("hostile")
            try Shell.must(["mkfifo", fifo])
            try Shell.must(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket])
            try Shell.must(["ln", "-s", "\(dir)/loop-b", "\(dir)/loop-a"])
            try Shell.must(["ln", "-s", "\(dir)/loop-a", "\(dir)/loop-b"])
            _ = FileManager.default.createFile(atPath: regular, contents: Data("not a namespace".utf8))
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }

        /// (label, path): each must be refused with code 4 on ADD and CHECK.
        var unusable: [(String, String)] {
            [
                ("FIFO", fifo), ("socket", socket), ("device", "/dev/null"), ("directory", dir), ("symlink loop", loop),
                ("another namespace type", "/proc/self/ns/mnt"), ("regular file", regular),
                ("5,000-byte path", "/" + String(repeating: "n", count: 5000)), ("relative path", "fifo"),
            ]
        }
    }

    static func configs(dataDir: String, bridge: String, device: String) -> [(String, String)] {
        [
            ("loopback", #"{"cniVersion":"1.0.0","name":"hostile-lo","type":"loopback"}"#),
            ("bridge", #"{"cniVersion":"1.0.0","name":"hostile-br","type":"bridge","bridge":"\#(bridge)","ipam":{"type":"host-local","subnet":"10.97.0.0/24","dataDir":"\#(dataDir)"}}"#),
            ("vxlan", #"{"cniVersion":"1.0.0","name":"hostile-vx","type":"vxlan","device":"\#(device)","nodes":[{"name":"n1","underlayIP":"192.0.2.1","podCIDRs":["10.96.1.0/24"]}]}"#),
        ]
    }

    static func withPrevResult(_ config: String) -> String {
        String(config.dropLast()) + #","prevResult":{"cniVersion":"1.0.0","ips":[]}}"#
    }

    /// Every plugin that enters CNI_NETNS, every kind of path: ADD and CHECK are refused with
    /// code 4 (3 for a path that does not exist) within the time limit; DEL succeeds; the
    /// plugin's own namespace is refused with code 8. Nothing is created.
    @Test(arguments: ["loopback", "bridge", "vxlan"])
    func netnsPathsNeverBlock(_ plugin: String) throws {
        let paths = try Paths()
        defer { paths.remove() }
        let dataDir = try TestEnvironment.makeTempDir("hostile-ipam")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try TestNamespace.with { node in
            let bridge = "hb\(TestEnvironment.runID.suffix(6))"
            let device = "hv\(TestEnvironment.runID.suffix(6))"
            let config = try #require(Self.configs(dataDir: dataDir, bridge: bridge, device: device).first { $0.0 == plugin }?.1)
            let before = try node.run(["ip", "-br", "link"])
            for (label, path) in paths.unusable {
                for command in ["ADD", "CHECK"] {
                    let input = command == "CHECK" ? Self.withPrevResult(config) : config
                    let out = try Self.run(plugin, command, config: input, netns: path, in: node)
                    #expect(out.status != 137, "\(plugin) \(command) \(label): blocked until killed")
                    #expect(out.status == 1 && out.code == 4, "\(plugin) \(command) \(label): \(out.summary.prefix(600))")
                }
                let del = try Self.run(plugin, "DEL", config: config, netns: path, in: node)
                #expect(del.status == 0 && del.stdout.isEmpty, "\(plugin) DEL \(label): \(del.summary.prefix(600))")
            }
            let missing = "/run/netns/\(TestEnvironment.uniqueName("gone"))"
            for command in ["ADD", "CHECK"] {
                let input = command == "CHECK" ? Self.withPrevResult(config) : config
                let out = try Self.run(plugin, command, config: input, netns: missing, in: node)
                #expect(out.code == 3, "\(plugin) \(command) missing: \(out.summary)")
            }
            #expect(try Self.run(plugin, "DEL", config: config, netns: missing, in: node).status == 0)
            // Inside `node`, /proc/self/ns/net is the plugin's own namespace.
            for command in ["ADD", "CHECK", "DEL"] {
                let input = command == "CHECK" ? Self.withPrevResult(config) : config
                let out = try Self.run(plugin, command, config: input, netns: "/proc/self/ns/net", in: node)
                #expect(out.code == 8, "\(plugin) \(command) own namespace: \(out.summary)")
            }
            #expect(try node.run(["ip", "-br", "link"]) == before, "\(plugin): no link created")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []
            #expect(files.allSatisfy { !FileManager.default.fileExists(atPath: "\(dataDir)/\($0)/10.97.0.2") }, "no reservation")
            #expect(!FileManager.default.fileExists(atPath: "/run/swift-cni/vxlan/\(device).lock"), "no vxlan lock file")
        }
    }

    /// Files named by the configuration (a vxlan peers file, host-local's resolvConf) are
    /// never waited on: a FIFO there is an I/O error (5) within the time limit.
    @Test func configuredFilesNeverBlock() throws {
        let paths = try Paths()
        defer { paths.remove() }
        let dataDir = try TestEnvironment.makeTempDir("hostile-ipam")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try TestNamespace.with(2) { namespaces in
            let (node, pod) = (namespaces[0], namespaces[1])
            let vxlan = #"{"cniVersion":"1.0.0","name":"hf","type":"vxlan","peersFile":"\#(paths.fifo)","prevResult":{"cniVersion":"1.0.0"}}"#
            let hostLocal = #"{"cniVersion":"1.0.0","name":"hf","type":"bridge","ipam":{"type":"host-local","subnet":"10.97.0.0/24","dataDir":"\#(dataDir)","resolvConf":"\#(paths.fifo)"}}"#
            for (plugin, config) in [("vxlan", vxlan), ("host-local", hostLocal)] {
                let out = try Self.run(plugin, "ADD", config: config, netns: pod.path, in: node)
                #expect(out.status != 137, "\(plugin): blocked until killed")
                #expect(out.status == 1 && out.code == 5, "\(plugin): \(out.summary)")
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(dataDir)/hf")) ?? []
            #expect(!files.contains { $0.hasPrefix("10.") }, "no reservation: \(files)")
        }
    }

    /// `eth%d` would make the kernel pick a name (eth0, eth1, ...): refused with code 4 by
    /// every plugin before any change; with the bridge, no veth pair is left.
    @Test(arguments: ["loopback", "bridge", "vxlan", "host-local"])
    func templatedInterfaceNameIsRefused(_ plugin: String) throws {
        let dataDir = try TestEnvironment.makeTempDir("hostile-ipam")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try TestNamespace.with(2) { namespaces in
            let (node, pod) = (namespaces[0], namespaces[1])
            let bridge = "hb\(TestEnvironment.runID.suffix(6))"
            let device = "hv\(TestEnvironment.runID.suffix(6))"
            var configs = Self.configs(dataDir: dataDir, bridge: bridge, device: device)
            configs.append(("host-local", configs[1].1))
            let config = try #require(configs.first { $0.0 == plugin }?.1)
            let nodeBefore = try node.run(["ip", "-br", "link"])
            let podBefore = try pod.run(["ip", "-br", "link"])
            for ifname in ["eth%d", "e%s%n", "eth\u{1}"] {
                let out = try Self.run(plugin, "ADD", config: config, netns: pod.path, ifname: ifname, in: node)
                #expect(out.status == 1 && out.code == 4, "\(plugin) \(ifname.debugDescription): \(out.summary)")
            }
            #expect(try node.run(["ip", "-br", "link"]) == nodeBefore, "\(plugin): no host link left")
            #expect(try pod.run(["ip", "-br", "link"]) == podBefore, "\(plugin): no container link left")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(dataDir)/hostile-br")) ?? []
            #expect(!files.contains { $0.hasPrefix("10.") }, "\(plugin): no reservation: \(files)")
        }
    }

    /// A layer-2 bridge (no IPAM) has no address to print in 0.1.0/0.2.0: refused before the
    /// veth is made (code 1), nothing left; 0.3.0 works.
    @Test(arguments: ["0.1.0", "0.2.0"])
    func layer2ResultInOldVersionsIsRefusedBeforeAnyChange(_ version: String) throws {
        try BridgeTestHost.with { h in
            let pod = try h.newContainer()
            let before = try h.snapshot()
            let out = try h.exec("ADD", config: h.config(version: version), container: pod)
            #expect(out.status == 1 && out.code == 1, "\(out.summary)")
            #expect(try h.snapshot() == before, "nothing created in the host")
            #expect(try pod.link("eth0") == nil, "nothing created in the container")
            let l2 = try h.exec("ADD", config: h.config(version: "0.3.0"), container: pod)
            #expect(l2.status == 0, "\(l2.summary)")
            #expect(try h.exec("DEL", config: h.config(version: "0.3.0"), container: pod).status == 0)
        }
    }

    /// A NUL or control character inside a name from the configuration is refused with code 7
    /// before any file or link is made (a NUL would have cut the name short).
    @Test func controlCharactersInConfiguredNamesAreRefused() throws {
        let dataDir = try TestEnvironment.makeTempDir("hostile-ipam")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try TestNamespace.with(2) { namespaces in
            let (node, pod) = (namespaces[0], namespaces[1])
            let short = "hn\(TestEnvironment.runID.suffix(6))"
            let nodes = #""nodes":[{"name":"n1","underlayIP":"192.0.2.1","podCIDRs":["10.96.1.0/24"]}]"#
            let cases: [(String, String)] = [
                ("vxlan", #"{"cniVersion":"1.0.0","name":"hx","type":"vxlan","device":"\#(short)\u0000x",\#(nodes)}"#),
                ("vxlan", #"{"cniVersion":"1.0.0","name":"hx","type":"vxlan","device":"\#(short)\nx",\#(nodes)}"#),
                ("vxlan", #"{"cniVersion":"1.0.0","name":"hx","type":"vxlan","underlayInterface":"lo\u0000",\#(nodes)}"#),
                ("bridge", #"{"cniVersion":"1.0.0","name":"hx","type":"bridge","bridge":"\#(short)\u0000x"}"#),
                ("bridge", #"{"cniVersion":"1.0.0","name":"hx","type":"bridge","bridge":"\#(short)%d"}"#),
                ("host-local", #"{"cniVersion":"1.0.0","name":"hx","type":"bridge","ipam":{"type":"host-local","subnet":"10.97.0.0/24","dataDir":"\#(dataDir)/x\u0000y"}}"#),
            ]
            let before = try node.run(["ip", "-br", "link"])
            for (plugin, config) in cases {
                let out = try Self.run(plugin, "ADD", config: config, netns: pod.path, in: node)
                #expect(out.status == 1 && out.code == 7, "\(plugin) \(config): \(out.summary)")
            }
            #expect(try node.run(["ip", "-br", "link"]) == before, "no link created")
            #expect(!FileManager.default.fileExists(atPath: "/run/swift-cni/vxlan/\(short).lock"), "no lock file named after the cut name")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []).isEmpty, "no data directory made")
        }
    }

    /// A bridge made without `isGateway` reads 00:00:00:00:00:00 once its last port left;
    /// the next `isGateway` ADD gives it a stable MAC instead of failing.
    @Test func gatewayOnABridgeWithoutPortsAndMAC() throws {
        try BridgeTestHost.with { h in
            let first = try h.newContainer()
            let plain = h.config(ipam: h.ipam(v6: nil))
            try h.add(plain, container: first, containerID: "a")
            #expect(try h.exec("DEL", config: plain, container: first, containerID: "a").status == 0)
            // The veth goes in the background: wait until the bridge has no port left.
            let deadline = Date().addingTimeInterval(10)
            var mac = ""
            while Date() < deadline {
                mac = (try h.link(h.bridge)?["address"] as? String) ?? ""
                if mac == "00:00:00:00:00:00" { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(mac == "00:00:00:00:00:00", "precondition: the port-less bridge reads a zero MAC")
            let second = try h.newContainer()
            let gateway = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil))
            let out = try h.exec("ADD", config: gateway, container: second, containerID: "b")
            #expect(out.status == 0, "\(out.summary)")
            let pinned = (try h.link(h.bridge)?["address"] as? String) ?? ""
            #expect(pinned != "00:00:00:00:00:00" && !pinned.isEmpty, "the bridge has a MAC: \(pinned)")
            #expect(try h.ping(from: second, "10.88.0.1"), "the gateway answers")
            #expect(try h.exec("DEL", config: gateway, container: second, containerID: "b").status == 0)
        }
    }

    /// Spec, delegation: when the IPAM ADD fails, the bridge runs IPAM DEL before returning
    /// the failure (seen by a spy IPAM plugin that records its commands and fails ADD).
    @Test func failedIPAMAddIsFollowedByIPAMDel() throws {
        try BridgeTestHost.with { h in
            let dir = try TestEnvironment.makeTempDir("spy-ipam")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let log = "\(dir)/calls"
            let script = """
                #!/bin/sh
                cat >/dev/null
                echo "$CNI_COMMAND" >> \(log)
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","code":11,"msg":"spy: no address today"}'
                  exit 1
                fi
                exit 0
                """
            try script.write(toFile: "\(dir)/spy-ipam", atomically: true, encoding: .utf8)
            try Shell.must(["chmod", "755", "\(dir)/spy-ipam"])
            h.ipamDir = dir
            let pod = try h.newContainer()
            let rulesBefore = try h.ruleset()
            let out = try h.exec("ADD", config: h.config(ipam: #"{"type":"spy-ipam"}"#), container: pod)
            #expect(out.status == 1 && out.code == 11, "the IPAM plugin's error is passed back: \(out.summary)")
            let calls = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(calls.split(separator: "\n") == ["ADD", "DEL"], "IPAM calls: \(calls)")
            // The bridge itself is node infrastructure shared by every pod and stays.
            #expect(try h.hostVeths().isEmpty, "no host veth left")
            #expect(try h.ruleset() == rulesBefore, "no rule left")
            #expect(try pod.link("eth0") == nil, "nothing left in the container")
        }
    }

    /// CONVENTIONS: `args.cni.ips` present means CNI_ARGS `IP=` is ignored (before, both were
    /// merged and the ADD failed claiming no range contained an address a range does contain).
    @Test func argsIPsWinOverCNIArgs() throws {
        try HostLocalDataDir.with { d in
            let config = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.77.0.0/24"}]]"#, extra: #","args":{"cni":{"ips":["10.77.0.7"]}}"#)
            let out = try PluginExec.hostLocal("ADD", config: config, args: "IgnoreUnknown=1;IP=10.77.0.5").run()
            #expect(out.status == 0, "\(out.summary)")
            #expect((out.json?["ips"] as? [[String: Any]])?.compactMap { $0["address"] as? String } == ["10.77.0.7/24"])
            #expect(d.reservations == ["10.77.0.7"])
            #expect(try PluginExec.hostLocal("DEL", config: config).run().status == 0)

            // Two addresses asked of one range set: the message says which set holds them.
            let two = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.77.0.0/24"}]]"#, extra: #","args":{"cni":{"ips":["10.77.0.8","10.77.0.9"]}}"#)
            let refused = try PluginExec.hostLocal("ADD", config: two, containerID: "b").run()
            #expect(refused.code == 7, "\(refused.summary)")
            let details = refused.json?["details"] as? String ?? ""
            #expect(details.contains("10.77.0.9 is in range set 0") && !details.contains("no range set contains"), "\(details)")
            #expect(d.reservations.isEmpty, "\(d.files)")
        }
    }

    /// CHECK without prevResult is an error for loopback and host-local, as for bridge.
    @Test func checkWithoutPrevResultIsAnError() throws {
        try TestNamespace.with { pod in
            let config = #"{"cniVersion":"1.0.0","name":"lo-net","type":"loopback"}"#
            #expect(try PluginExec.ours("loopback", "ADD", config: config, netns: pod.path).run().status == 0)
            let check = try PluginExec.ours("loopback", "CHECK", config: config, netns: pod.path).run()
            #expect(check.status == 1 && check.code == 7, "\(check.summary)")
        }
        try HostLocalDataDir.with { d in
            let add = try PluginExec.hostLocal("ADD", config: d.config("1.0.0")).run()
            #expect(add.status == 0)
            let check = try PluginExec.hostLocal("CHECK", config: d.config("1.0.0")).run()
            #expect(check.status == 1 && check.code == 7, "\(check.summary)")
            let withPrev = try PluginExec.hostLocal("CHECK", config: d.config("1.0.0", prevResult: add.stdout)).run()
            #expect(withPrev.status == 0, "\(withPrev.summary)")
        }
    }
}
