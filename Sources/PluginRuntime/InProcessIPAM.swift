import CNISpec
import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// IPAM plugins linked into the running executable, run without a fork and exec when
/// `CNI_PATH` resolves to their own binary from the same build.
///
/// An executable registers them (the bridge's `main`: `["host-local": HostLocalPlugin()]`)
/// and passes `runner` to its plugin, which hands it to `IPAMDelegate`. The file `CNI_PATH`
/// resolves for `ipam.type` (exactly as `IPAMDelegate` resolves it for exec) runs in-process
/// when it is named as a registered type and carries the build identity of the running
/// executable (the ELF note `swift-cni`, read from the file's program headers with a few
/// `pread`s; see `BuildIdentity`): its code is then the plugin linked here. The request goes
/// through the same `PluginDispatcher` as the executable's `main`, with the same environment
/// (`CNI_COMMAND` set), the same config bytes as stdin and the same own-namespace test, so
/// the result, the errors and the files on disk are the ones the executable would produce;
/// only the fork and exec (about 1-2 ms of every ADD) are gone.
///
/// Anything else (another IPAM type, a binary without our note or from another build, for
/// example the reference's, a wrapper script, an older or newer swift-cni) and every call
/// with `SWIFT_CNI_EXEC_IPAM=1` in the environment is exec'd as the spec's delegation describes.
public enum InProcessIPAM {
    public enum Driver: Equatable, Sendable {
        case inProcess
        case exec
    }

    /// The driver for the executable that `CNI_PATH` resolved for `ipam.type`.
    public static func choose(
        for executable: String, inProcessTypes: Set<String>, environmentOverride: String? = environmentOverride,
        identity: String = BuildIdentity.current
    ) -> Driver {
        if environmentOverride == "1" { return .exec }
        guard let name = executable.split(separator: "/").last.map(String.init), inProcessTypes.contains(name) else {
            return .exec
        }
        guard BuildIdentity.of(path: executable) == identity else { return .exec }
        return .inProcess
    }

    /// `SWIFT_CNI_EXEC_IPAM`: "1" forces exec.
    public static var environmentOverride: String? {
        guard let value = getenv("SWIFT_CNI_EXEC_IPAM") else { return nil }
        return String(cString: value)
    }

    /// The `IPAMDelegate` runner: in-process for the registered plugins from this build, exec otherwise.
    public static func runner(_ plugins: [String: any CNIPlugin & Sendable]) -> IPAMDelegate.Runner {
        let types = Set(plugins.keys)
        return { (executable, command, request) throws(CNIError) in
            guard choose(for: executable, inProcessTypes: types) == .inProcess,
                let name = executable.split(separator: "/").last.map(String.init), let plugin = plugins[name]
            else { return try IPAMDelegate.exec(executable, command, request) }
            return run(plugin, command, request)
        }
    }

    /// The plugin's `main` without the process: dispatch, then hand back its exit status and stdout.
    static func run(_ plugin: any CNIPlugin, _ command: CNICommand, _ request: CNIRequest) -> Subprocess.Outcome {
        let stdin = request.config.bytes
        let dispatcher = PluginDispatcher(
            plugin: plugin,
            getenv: { name in
                if name == "CNI_COMMAND" { return command.rawValue }
                guard let value = getenv(name) else { return nil }
                return String(cString: value)
            },
            readStdin: { () throws(CNIError) in stdin },
            isOwnNetNS: PluginMain.isOwnNetNS)
        let outcome = dispatcher.run()
        // The exec'd plugin's stderr is ours; so is the in-process one's.
        if !outcome.stderr.isEmpty { try? FileDescriptorIO.writeFully(2, Array(outcome.stderr.utf8)) }
        return Subprocess.Outcome(status: outcome.exitCode, stdout: outcome.stdout)
    }
}
