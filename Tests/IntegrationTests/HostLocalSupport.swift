import Foundation
import Testing

/// A per-test data directory for host-local, removed by `remove()` / `with`.
final class HostLocalDataDir: @unchecked Sendable {
    let path: String
    let network: String

    init(network: String = "hlnet") throws {
        path = try TestEnvironment.makeTempDir("hl")
        self.network = network
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    static func with<T>(network: String = "hlnet", _ body: (HostLocalDataDir) throws -> T) throws -> T {
        let dir = try HostLocalDataDir(network: network)
        defer { dir.remove() }
        return try body(dir)
    }

    /// The network directory (`<dataDir>/<network>`).
    var networkPath: String { "\(path)/\(network)" }

    /// Files of the network directory, sorted (hidden names included).
    var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: networkPath)) ?? []).sorted() }

    /// Reservation files only (names that are addresses).
    var reservations: [String] {
        files.filter { $0.first.map { $0.isHexDigit } ?? false && ($0.contains(".") || $0.contains(":")) && !$0.hasPrefix("last_") }
    }

    /// Files that are neither `lock`, `last_reserved_ip.*` nor our (empty) index directory.
    var leftovers: [String] {
        files.filter { name in
            if name == "lock" || name.hasPrefix("last_reserved_ip.") { return false }
            if name == ".swift-cni" {
                let inner = (try? FileManager.default.contentsOfDirectory(atPath: "\(networkPath)/.swift-cni")) ?? []
                return !inner.isEmpty
            }
            return true
        }
    }

    func content(_ name: String) -> String? {
        FileManager.default.contents(atPath: "\(networkPath)/\(name)").map { String(decoding: $0, as: UTF8.self) }
    }

    /// A plugin configuration whose `ipam` uses this data dir. `ipam` holds the other ipam
    /// members as JSON text without braces; `extra` more top-level members.
    func config(_ version: String, ipam: String = #""ranges":[[{"subnet":"10.77.0.0/24"}]]"#, extra: String = "",
                prevResult: String? = nil) -> String {
        var text = #"{"cniVersion":"\#(version)","name":"\#(network)","type":"bridge","ipam":{"type":"host-local","dataDir":"\#(path)",\#(ipam)}\#(extra)"#
        if let prevResult { text += #","prevResult":\#(prevResult)"# }
        return text + "}"
    }
}

extension PluginExec {
    /// host-local needs no namespace for IPAM-only calls; CNI_NETNS is any path.
    static func hostLocal(_ command: String, config: String, containerID: String? = "ctr", ifname: String? = "eth0",
                          args: String? = nil, reference: Bool = false) -> PluginExec {
        let binary = reference ? TestEnvironment.reference("host-local") : TestEnvironment.binary("host-local")
        let gcOrStatus = command == "GC" || command == "STATUS"
        return PluginExec(binary: binary, command: command, containerID: gcOrStatus ? nil : containerID,
                          netns: gcOrStatus ? nil : "/dev/null", ifname: gcOrStatus ? nil : ifname, args: args,
                          config: config)
    }
}

/// Starts many plugin processes at once and collects their outputs (true concurrency:
/// every process is running before any is waited for).
enum ParallelExec {
    static func run(_ execs: [PluginExec]) throws -> [PluginExec.Output] {
        var running: [(Process, Pipe, Pipe)] = []
        for exec in execs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: exec.binary)
            var env: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": exec.command]
            if let v = exec.containerID { env["CNI_CONTAINERID"] = v }
            if let v = exec.netns { env["CNI_NETNS"] = v }
            if let v = exec.ifname { env["CNI_IFNAME"] = v }
            env["CNI_PATH"] = exec.path ?? "/opt/cni/bin"
            if let v = exec.args { env["CNI_ARGS"] = v }
            process.environment = env
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data(exec.config.utf8))
            try input.fileHandleForWriting.close()
            running.append((process, input, output))
        }
        return running.map { process, _, output in
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return PluginExec.Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
        }
    }
}
