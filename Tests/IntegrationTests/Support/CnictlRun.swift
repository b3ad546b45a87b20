import Foundation

/// Runs the built `cnictl`, optionally inside a network namespace (`ip netns exec`), with a
/// minimal environment so the caller's NETCONFPATH / CNI_* variables cannot leak in.
enum CnictlRun {
    static func run(_ arguments: [String], inNS ns: String? = nil, environment: [String: String] = [:]) throws
        -> PluginExec.Output
    {
        var env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        env.merge(environment) { _, new in new }
        let binary = TestEnvironment.binary("cnictl")
        let command = ns.map { ["/usr/bin/env", "ip", "netns", "exec", $0, binary] } ?? [binary]
        let out = try Shell.run(command + arguments, environment: env)
        return PluginExec.Output(status: out.status, stdout: out.stdout, stderr: out.stderr)
    }

    /// Writes an executable shell script (a test double plugin) to `dir/name`.
    static func writeScriptPlugin(_ dir: String, _ name: String, _ body: String) throws {
        let path = "\(dir)/\(name)"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// host-local reservation files (addresses) of `network` under `dataDir`.
    static func reservations(_ dataDir: String, network: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(dataDir)/\(network)")) ?? []
        return names.filter { $0 != "lock" && !$0.hasPrefix("last_reserved_ip") }.sorted()
    }
}
