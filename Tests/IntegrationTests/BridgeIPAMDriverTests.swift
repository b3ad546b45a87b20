import Foundation
import Testing

/// The bridge runs host-local in-process when the file `CNI_PATH` resolves for it carries the
/// bridge's own build identity (ELF note `swift-cni`: our host-local of the same build), and
/// execs it otherwise or when `SWIFT_CNI_EXEC_IPAM=1`. Which path was taken is observed from
/// outside: a spy (a shell script named `host-local` that logs `CNI_COMMAND` and execs our
/// real host-local), or `strace -f -e trace=execve` around the bridge.
@Suite("bridge IPAM driver (in-process host-local)", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeIPAMDriverTests {
    /// A directory holding the spy `host-local` and its log.
    final class Spy {
        let dir: String
        var log: String { dir + "/calls.log" }

        init() throws {
            dir = try TestEnvironment.makeTempDir("ipam-spy")
            try write(to: dir + "/host-local")
        }

        /// Writes a spy script at `path` that logs into this spy's log.
        func write(to path: String) throws {
            let script = """
                #!/bin/sh
                echo "$CNI_COMMAND" >> \(log)
                exec \(TestEnvironment.binary("host-local")) "$@"

                """
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }

        func calls() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// ADD, CHECK, DEL of one attachment, each of which must succeed; with `trace`, the bridge
    /// runs under `strace -f -e trace=execve` and the programs it exec'd are returned.
    @discardableResult
    static func lifecycle(
        _ h: BridgeTestHost, env: [String: String] = [:], binary: String = TestEnvironment.binary("bridge"),
        version: String = "1.1.0", trace: Bool = false
    ) throws -> [String] {
        let config = h.config(ipam: h.ipam(v6: nil), version: version)
        let c = try h.newContainer()
        let traceFile = trace ? try TestEnvironment.makeTempDir("execve") + "/trace" : nil
        defer { if let traceFile { try? FileManager.default.removeItem(atPath: (traceFile as NSString).deletingLastPathComponent) } }
        var executed: [String] = []
        func run(_ command: String, _ config: String) throws -> PluginExec.Output {
            let out = try h.run(command, config: config, container: c, env: env, binary: binary, traceExecve: traceFile)
            if let traceFile { executed += try ExecveTrace.programs(in: traceFile).filter { $0 != binary } }
            return out
        }
        let add = try run("ADD", config)
        #expect(add.status == 0, "ADD: \(add.summary)")
        #expect(try h.reservations().count == 1)
        let withPrev = String(config.dropLast()) + #","prevResult":\#(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines))}"#
        let check = try run("CHECK", withPrev)
        #expect(check.status == 0, "CHECK: \(check.summary)")
        let del = try run("DEL", config)
        #expect(del.status == 0, "DEL: \(del.summary)")
        #expect(try h.reservations().isEmpty)
        return executed
    }

    /// A directory holding a copy of our bridge and, as `host-local`, a copy of `hostLocal`.
    static func install(hostLocal: String, patch: ((inout [UInt8]) -> Void)? = nil) throws -> String {
        let dir = try TestEnvironment.makeTempDir("bridge-install")
        try FileManager.default.copyItem(atPath: TestEnvironment.binary("bridge"), toPath: dir + "/bridge")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: hostLocal)))
        patch?(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/host-local"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/host-local")
        return dir
    }

    @Test func hostLocalInAnotherDirectoryIsExecuted() throws {
        let spy = try Spy()
        defer { spy.remove() }
        try BridgeTestHost.with { h in
            h.ipamDir = "\(spy.dir):\(TestEnvironment.binDir)"
            try Self.lifecycle(h)
        }
        #expect(spy.calls() == ["ADD", "CHECK", "DEL"], "the spy first in CNI_PATH is exec'd for every IPAM call")
    }

    @Test func ourHostLocalOfTheSameBuildRunsInProcess() throws {
        let spy = try Spy()
        defer { spy.remove() }
        try BridgeTestHost.with { h in
            h.ipamDir = "\(TestEnvironment.binDir):\(spy.dir)"
            let executed = try Self.lifecycle(h, trace: true)
            #expect(executed.isEmpty, "nothing exec'd for ADD, CHECK, DEL; got \(executed)")
            let config = h.config(ipam: h.ipam(v6: nil), version: "1.1.0")
            let status = try h.run("STATUS", config: config, container: nil)
            #expect(status.status == 0, "STATUS: \(status.summary)")
            let gc = try h.run("GC", config: String(config.dropLast()) + #","cni.dev/valid-attachments":[]}"#, container: nil)
            #expect(gc.status == 0, "GC: \(gc.summary)")
        }
        #expect(spy.calls().isEmpty, "no host-local was exec'd")
    }

    /// Copies of our bridge and host-local installed together: in-process, unless
    /// SWIFT_CNI_EXEC_IPAM=1 forces exec.
    @Test func execIPAMEnvironmentForcesExec() throws {
        let install = try Self.install(hostLocal: TestEnvironment.binary("host-local"))
        defer { try? FileManager.default.removeItem(atPath: install) }
        try BridgeTestHost.with { h in
            h.ipamDir = install
            let inProcess = try Self.lifecycle(h, binary: install + "/bridge", trace: true)
            #expect(inProcess.isEmpty, "our host-local beside the bridge: in-process; got \(inProcess)")
            let forced = try Self.lifecycle(h, env: ["SWIFT_CNI_EXEC_IPAM": "1"], binary: install + "/bridge", trace: true)
            #expect(forced == Array(repeating: install + "/host-local", count: 3), "SWIFT_CNI_EXEC_IPAM=1: exec'd")
        }
    }

    /// A wrapper script named host-local beside the bridge is not ours: exec'd.
    @Test func scriptBesideTheBridgeIsExecuted() throws {
        let spy = try Spy()
        defer { spy.remove() }
        let install = try Self.install(hostLocal: TestEnvironment.binary("host-local"))
        defer { try? FileManager.default.removeItem(atPath: install) }
        try spy.write(to: install + "/host-local")
        try BridgeTestHost.with { h in
            h.ipamDir = install
            try Self.lifecycle(h, binary: install + "/bridge")
        }
        #expect(spy.calls() == ["ADD", "CHECK", "DEL"])
    }

    /// The Go reference host-local copied beside the bridge (a foreign ELF file of the same
    /// name): exec'd.
    @Test func foreignHostLocalBesideTheBridgeIsExecuted() throws {
        let install = try Self.install(hostLocal: TestEnvironment.reference("host-local"))
        defer { try? FileManager.default.removeItem(atPath: install) }
        try BridgeTestHost.with { h in
            h.ipamDir = install
            // The Debian reference plugins support cniVersion up to 1.0.0.
            let executed = try Self.lifecycle(h, binary: install + "/bridge", version: "1.0.0", trace: true)
            #expect(executed == Array(repeating: install + "/host-local", count: 3))
        }
    }

    /// Our host-local with another build identity (the note's text changed in a copy; the
    /// program itself is intact): another build, exec'd.
    @Test func hostLocalOfAnotherBuildIsExecuted() throws {
        var patched = false
        let install = try Self.install(hostLocal: TestEnvironment.binary("host-local")) { bytes in
            let marker = Array("swift-cni 0.".utf8)
            // The descriptor follows the note name "swift-cni\0" + padding; patch the first
            // occurrence of the identity text that follows such a name.
            let name = Array("swift-cni".utf8) + [0, 0, 0]
            guard let at = ExecveTrace.firstIndex(of: name + marker, in: bytes) else { return }
            let last = at + name.count + marker.count + 4
            bytes[last] = bytes[last] == UInt8(ascii: "X") ? UInt8(ascii: "Y") : UInt8(ascii: "X")
            patched = true
        }
        defer { try? FileManager.default.removeItem(atPath: install) }
        #expect(patched, "the identity note was found in host-local")
        try BridgeTestHost.with { h in
            h.ipamDir = install
            let executed = try Self.lifecycle(h, binary: install + "/bridge", trace: true)
            #expect(executed == Array(repeating: install + "/host-local", count: 3))
        }
    }

    /// One sequence of requests — allocations, a static address, a conflict, exhaustion,
    /// CHECK, DEL, re-allocation, bad IPAM configs — through each path, on two data
    /// directories: the outputs (but the veths' MACs and the network name) and the files
    /// written are the same.
    @Test func inProcessAndExecGiveTheSameResultsAndFiles() throws {
        func scenario(exec: Bool) throws -> (outputs: [String], files: [String: String]) {
            try BridgeTestHost.with { h in
                h.ipamDir = TestEnvironment.binDir
                let env = exec ? ["SWIFT_CNI_EXEC_IPAM": "1"] : [:]
                let ipam = h.ipam(v4: "10.89.0.0/29", v6: "fd89::/120", extra: #","routes":[{"dst":"0.0.0.0/0"}]"#)
                let config = h.config(#""isGateway":true"#, ipam: ipam, version: "1.1.0")
                var outputs: [String] = []
                func record(_ out: PluginExec.Output) {
                    let text = out.stdout
                        .replacingOccurrences(of: h.network, with: "NETWORK")
                        .replacingOccurrences(of: h.dataDir, with: "DATADIR")
                        .replacingOccurrences(of: h.bridge, with: "BRIDGE")
                    let masked = text.replacingOccurrences(
                        of: #""mac":"[0-9a-f:]+""#, with: #""mac":"MAC""#, options: .regularExpression)
                        .replacingOccurrences(of: #""sandbox":"[^"]*""#, with: #""sandbox":"NS""#, options: .regularExpression)
                        .replacingOccurrences(of: #""name":"veth[^"]*""#, with: #""name":"VETH""#, options: .regularExpression)
                    outputs.append("exit \(out.status): \(masked)")
                }
                var containers: [TestNamespace] = []
                for i in 0..<6 {
                    let c = try h.newContainer()
                    containers.append(c)
                    let args = i == 1 ? "IP=10.89.0.6" : (i == 2 ? "IP=10.89.0.6" : nil)
                    record(try h.run("ADD", config: config, container: c, containerID: "c\(i)", args: args, env: env))
                }
                let first = try h.run("DEL", config: config, container: containers[0], containerID: "c0", env: env)
                record(first)
                let again = try h.newContainer()
                record(try h.run("ADD", config: config, container: again, containerID: "again", env: env))
                for bad in [
                    #"{"type":"host-local","dataDir":"\#(h.dataDir)","ranges":[[{"subnet":"10.89.0.0/33"}]]}"#,
                    #"{"type":"host-local","dataDir":"\#(h.dataDir)"}"#,
                    #"{"type":"host-local","dataDir":"\#(h.dataDir)","ranges":[[{"subnet":"10.89.0.0/29","rangeStart":"10.90.0.1"}]]}"#,
                ] {
                    let c = try h.newContainer()
                    record(try h.run("ADD", config: h.config(ipam: bad, version: "1.1.0"), container: c, containerID: "bad", env: env))
                }
                record(try h.run("STATUS", config: config, container: nil, env: env))
                record(try h.run(
                    "GC", config: String(config.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"c3","ifname":"eth0"}]}"#,
                    container: nil, env: env))
                var files: [String: String] = [:]
                let dir = "\(h.dataDir)/\(h.network)"
                for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
                    files[name] = (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "<unreadable>"
                }
                return (outputs, files)
            }
        }
        let exec = try scenario(exec: true)
        let inProcess = try scenario(exec: false)
        if ProcessInfo.processInfo.environment["SHOW_SCENARIO"] != nil {
            print(inProcess.outputs.joined(separator: "\n"), inProcess.files)
        }
        #expect(exec.outputs.count == inProcess.outputs.count)
        for (a, b) in zip(exec.outputs, inProcess.outputs) { #expect(a == b) }
        #expect(exec.files == inProcess.files)
        #expect(exec.outputs.contains { $0.hasPrefix("exit 1") }, "the scenario has failures to compare")
        #expect(exec.files.count >= 2)
    }
}

extension BridgeTestHost {
    /// `exec` with extra environment variables and no expectation on the outcome.
    func run(
        _ command: String, config: String, container: TestNamespace?, containerID: String = "ctr", args: String? = nil,
        env extra: [String: String] = [:], binary: String = TestEnvironment.binary("bridge"), traceExecve: String? = nil
    ) throws -> PluginExec.Output {
        var env: [String: String] = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_PATH": ipamDir,
        ]
        if command != "GC" && command != "STATUS" {
            env["CNI_CONTAINERID"] = containerID
            env["CNI_IFNAME"] = "eth0"
            if let container { env["CNI_NETNS"] = container.path }
        }
        if let args { env["CNI_ARGS"] = args }
        env.merge(extra) { _, new in new }
        let tracer = traceExecve.map { ["/usr/bin/strace", "-f", "-qq", "-e", "trace=execve", "-o", $0] } ?? []
        let out = try Shell.run(
            ["/usr/sbin/ip", "netns", "exec", host.name] + tracer + [binary], stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }
}

/// The programs a `strace -f -e trace=execve -o FILE` run exec'd successfully, in order.
enum ExecveTrace {
    static func programs(in file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        var programs: [String] = []
        for line in text.split(separator: "\n") where line.contains("execve(\"") && line.hasSuffix("= 0") {
            guard let start = line.range(of: "execve(\"") else { continue }
            let rest = line[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { continue }
            programs.append(String(rest[..<end]))
        }
        return programs
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first && Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}
