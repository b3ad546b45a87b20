#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNISpec
import SystemSupport

/// What running a plugin binary produced.
public struct PluginOutcome: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
    public init(status: Int32, stdout: [UInt8]) {
        self.status = status
        self.stdout = stdout
    }
}

/// Finds and runs plugin binaries. The real one execs them (`SubprocessExecutor`); unit
/// tests substitute a recording fake.
public protocol PluginExecutor: Sendable {
    /// The executable for plugin `type` in the search path, or nil.
    func find(_ type: String, in path: [String]) -> String?
    /// Runs it with exactly `environment` and `stdin`; the plugin's stderr goes to ours.
    func run(_ executable: String, environment: [String], stdin: [UInt8]) throws(CNIError) -> PluginOutcome
}

/// Execs plugins with `Subprocess` (posix_spawn), stderr inherited.
///
/// Like libcni, a spawn that fails with ETXTBSY ("text file busy": the binary is being
/// replaced by an upgrade) is retried, up to 5 more times one second apart.
public struct SubprocessExecutor: PluginExecutor {
    public static let textFileBusyRetries = 5

    public init() {}

    public func find(_ type: String, in path: [String]) -> String? { Subprocess.find(type, in: path) }

    public func run(_ executable: String, environment: [String], stdin: [UInt8]) throws(CNIError) -> PluginOutcome {
        var attempt = 0
        while true {
            do {
                let outcome = try Subprocess.run(executable, environment: environment, stdin: stdin)
                return PluginOutcome(status: outcome.status, stdout: outcome.stdout)
            } catch where error.errno == ETXTBSY && attempt < Self.textFileBusyRetries {
                attempt += 1
                sleep(1)
            } catch {
                throw CNIError(.ioFailure, "failed to run \(executable)", details: error.description)
            }
        }
    }
}

/// The environment libcni gives a plugin (`invoke.Args.AsEnv`): our own environment with
/// every `CNI_*` variable of the protocol set, empty when it does not apply (GC, STATUS).
public enum PluginEnvironment {
    public static func make(
        base: [String], command: CNICommand, rt: RuntimeConf?, path: [String]
    ) -> [String] {
        Subprocess.environment(
            base,
            overriding: [
                "CNI_COMMAND": command.rawValue,
                "CNI_CONTAINERID": rt?.containerID ?? "",
                "CNI_NETNS": rt?.netns ?? "",
                "CNI_IFNAME": rt?.ifName ?? "",
                "CNI_ARGS": rt?.cniArgsString ?? "",
                "CNI_PATH": path.joined(separator: ":"),
            ])
    }
}
