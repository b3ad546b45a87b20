import Foundation
import Testing

/// The bridge runs host-local in-process when `CNI_PATH` resolves it to the bridge binary's
/// own directory (our host-local, installed together), and execs it otherwise or when
/// `SWIFT_CNI_EXEC_IPAM=1`. A spy — a shell script named `host-local` that logs
/// `CNI_COMMAND` and execs our real host-local — shows which path was taken.
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

    /// ADD, CHECK, DEL of one attachment, each of which must succeed.
    static func lifecycle(_ h: BridgeTestHost, env: [String: String] = [:], binary: String = TestEnvironment.binary("bridge")) throws {
        let config = h.config(ipam: h.ipam(v6: nil), version: "1.1.0")
        let c = try h.newContainer()
        let add = try h.run("ADD", config: config, container: c, env: env, binary: binary)
        #expect(add.status == 0, "ADD: \(add.summary)")
        #expect(try h.reservations().count == 1)
        let withPrev = String(config.dropLast()) + #","prevResult":\#(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines))}"#
        let check = try h.run("CHECK", config: withPrev, container: c, env: env, binary: binary)
        #expect(check.status == 0, "CHECK: \(check.summary)")
        let del = try h.run("DEL", config: config, container: c, env: env, binary: binary)
        #expect(del.status == 0, "DEL: \(del.summary)")
        #expect(try h.reservations().isEmpty)
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

    @Test func hostLocalBesideTheBridgeRunsInProcess() throws {
        let spy = try Spy()
        defer { spy.remove() }
        try BridgeTestHost.with { h in
            h.ipamDir = "\(TestEnvironment.binDir):\(spy.dir)"
            try Self.lifecycle(h)
            let config = h.config(ipam: h.ipam(v6: nil), version: "1.1.0")
            let status = try h.run("STATUS", config: config, container: nil)
            #expect(status.status == 0, "STATUS: \(status.summary)")
            let gc = try h.run("GC", config: String(config.dropLast()) + #","cni.dev/valid-attachments":[]}"#, container: nil)
            #expect(gc.status == 0, "GC: \(gc.summary)")
        }
        #expect(spy.calls().isEmpty, "no host-local was exec'd")
    }

    /// A copy of the bridge with the spy installed beside it as `host-local`: taken for ours
    /// (in-process, the spy never runs) unless SWIFT_CNI_EXEC_IPAM=1 forces exec.
    @Test func execIPAMEnvironmentForcesExec() throws {
        let spy = try Spy()
        defer { spy.remove() }
        let install = try TestEnvironment.makeTempDir("bridge-install")
        defer { try? FileManager.default.removeItem(atPath: install) }
        try FileManager.default.copyItem(atPath: TestEnvironment.binary("bridge"), toPath: install + "/bridge")
        try spy.write(to: install + "/host-local")
        try BridgeTestHost.with { h in
            h.ipamDir = install
            try Self.lifecycle(h, binary: install + "/bridge")
            #expect(spy.calls().isEmpty, "beside the bridge: in-process")
            try Self.lifecycle(h, env: ["SWIFT_CNI_EXEC_IPAM": "1"], binary: install + "/bridge")
            #expect(spy.calls() == ["ADD", "CHECK", "DEL"], "SWIFT_CNI_EXEC_IPAM=1: exec'd")
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
        env extra: [String: String] = [:], binary: String = TestEnvironment.binary("bridge")
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
        let out = try Shell.run(["/usr/sbin/ip", "netns", "exec", host.name, binary], stdin: Data(config.utf8), environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }
}
