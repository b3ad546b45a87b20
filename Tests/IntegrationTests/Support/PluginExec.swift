import Foundation

/// One exec of a plugin binary, the way a runtime does it.
struct PluginExec {
    var binary: String
    var command: String
    var containerID: String? = "ctr"
    var netns: String? = nil
    var ifname: String? = "eth0"
    var path: String? = nil
    var args: String? = nil
    var extraEnv: [String: String] = [:]
    var config: String

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// stdout parsed as one JSON object, when it is one.
        var json: [String: Any]? {
            guard let data = stdout.data(using: .utf8), !data.isEmpty else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        var code: Int? { json?["code"] as? Int }
        var summary: String { "exit \(status), stdout: \(stdout), stderr: \(stderr)" }
    }

    func run() throws -> Output {
        var env: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command]
        if let containerID { env["CNI_CONTAINERID"] = containerID }
        if let netns { env["CNI_NETNS"] = netns }
        if let ifname { env["CNI_IFNAME"] = ifname }
        env["CNI_PATH"] = path ?? (binary as NSString).deletingLastPathComponent
        if let args { env["CNI_ARGS"] = args }
        env.merge(extraEnv) { _, new in new }
        let output = try Shell.run([binary], stdin: Data(config.utf8), environment: env)
        return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}

extension PluginExec {
    static func ours(_ plugin: String, _ command: String, config: String, netns: String? = nil,
                     containerID: String? = "ctr", ifname: String? = "eth0", args: String? = nil) -> PluginExec {
        PluginExec(binary: TestEnvironment.binary(plugin), command: command, containerID: containerID,
                   netns: netns, ifname: ifname, args: args, config: config)
    }

    static func reference(_ plugin: String, _ command: String, config: String, netns: String? = nil,
                          containerID: String? = "ctr", ifname: String? = "eth0", args: String? = nil) -> PluginExec {
        PluginExec(binary: TestEnvironment.reference(plugin), command: command, containerID: containerID,
                   netns: netns, ifname: ifname, args: args, config: config)
    }
}
