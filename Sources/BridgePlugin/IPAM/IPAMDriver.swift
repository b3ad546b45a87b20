import CNISpec
import Glibc
import HostLocalPlugin

/// How the bridge runs its IPAM plugin once `CNI_PATH` has resolved it (exactly as
/// `IPAMDelegate` resolves it for exec: first directory holding an executable `ipam.type`).
///
/// `.inProcess`: the resolved file is a `host-local` that carries the build identity of the
/// running bridge (the ELF note `swift-cni`, read from the file's program headers with a few
/// `pread`s; see `BuildIdentity`): it is our host-local from the same build, so its code is
/// the `HostLocalPlugin` linked into this bridge. The request goes through the same
/// `PluginDispatcher` and `HostLocalPlugin` as the host-local executable's `main`, with the
/// same environment (`CNI_COMMAND` set), the same config bytes as stdin and the same
/// own-namespace test, so the result, the errors and the files on disk are the ones the
/// executable would produce; only the fork and exec (about 1-2 ms of every ADD) are gone.
///
/// `.exec`: anything else — another IPAM type, a host-local without our note or from another
/// build (for example the reference's, a wrapper script, an older or newer swift-cni), or
/// `SWIFT_CNI_EXEC_IPAM=1` in the environment — is exec'd by `IPAMDelegate` as the spec's
/// delegation describes.
enum IPAMDriver: Equatable {
    case inProcess
    case exec

    /// The driver for the executable that `CNI_PATH` resolved for `ipam.type`.
    static func choose(
        for executable: String, environmentOverride: String? = Self.environmentOverride,
        identity: String = BuildIdentity.current
    ) -> IPAMDriver {
        if environmentOverride == "1" { return .exec }
        guard executable.split(separator: "/").last.map(String.init) == inProcessType else { return .exec }
        guard BuildIdentity.of(path: executable) == identity else { return .exec }
        return .inProcess
    }

    /// The IPAM type that can run in-process.
    static let inProcessType = "host-local"

    /// `SWIFT_CNI_EXEC_IPAM`: "1" forces exec.
    static var environmentOverride: String? {
        guard let value = getenv("SWIFT_CNI_EXEC_IPAM") else { return nil }
        return String(cString: value)
    }

    /// The `IPAMDelegate` runner: in-process for our sibling host-local, exec otherwise.
    static let runner: IPAMDelegate.Runner = { (executable, command, request) throws(CNIError) in
        switch choose(for: executable) {
        case .exec: return try IPAMDelegate.exec(executable, command, request)
        case .inProcess: return runHostLocal(command, request)
        }
    }

    /// host-local's `main` without the process: dispatch, then hand back its exit status and stdout.
    static func runHostLocal(_ command: CNICommand, _ request: CNIRequest) -> Subprocess.Outcome {
        let stdin = request.config.bytes
        let dispatcher = PluginDispatcher(
            plugin: HostLocalPlugin(),
            getenv: { name in
                if name == "CNI_COMMAND" { return command.rawValue }
                guard let value = getenv(name) else { return nil }
                return String(cString: value)
            },
            readStdin: { () throws(CNIError) in stdin },
            isOwnNetNS: PluginMain.isOwnNetNS)
        let outcome = dispatcher.run()
        // The exec'd plugin's stderr is ours; so is the in-process one's.
        if !outcome.stderr.isEmpty { try? FileDescriptorIO.writeAll(2, Array(outcome.stderr.utf8)) }
        return Subprocess.Outcome(status: outcome.exitCode, stdout: outcome.stdout)
    }
}

/// The bridge's IPAM calls: `IPAMDelegate` with the `IPAMDriver` runner.
enum BridgeIPAM {
    static func add(_ request: CNIRequest) throws(CNIError) -> CNIResult {
        try IPAMDelegate.add(request, runner: IPAMDriver.runner)
    }
    static func del(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.del(request, runner: IPAMDriver.runner) }
    static func check(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.check(request, runner: IPAMDriver.runner) }
    static func gc(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.gc(request, runner: IPAMDriver.runner) }
    static func status(_ request: CNIRequest) throws(CNIError) {
        try IPAMDelegate.status(request, runner: IPAMDriver.runner)
    }
}
