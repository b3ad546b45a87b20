import CNISpec
import NetNS
import SystemSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process entry point of every plugin executable: `PluginMain.run(MyPlugin())`.
public enum PluginMain {
    /// Reads the real environment and stdin, dispatches, writes stdout/stderr and exits.
    public static func run(_ plugin: some CNIPlugin) -> Never {
        // `--version` names the build (runtimes pass no arguments: a plugin's input is its
        // environment and stdin, so this never shadows a CNI invocation).
        if CommandLine.argc == 2, CommandLine.arguments[1] == "--version" {
            try? FileDescriptorIO.writeFully(1, Array((BuildIdentity.current + "\n").utf8))
            exit(0)
        }
        // A delegate that exits without reading its stdin must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let dispatcher = PluginDispatcher(
            plugin: plugin,
            getenv: { name in
                guard let value = Glibc.getenv(name) else { return nil }
                return String(cString: value)
            },
            readStdin: { () throws(CNIError) in
                do {
                    return try FileDescriptorIO.readToEnd(0)
                } catch {
                    throw CNIError(.ioFailure, "read failed", details: "fd 0: \(error)")
                }
            },
            isOwnNetNS: isOwnNetNS, inspectNetNS: inspectNetNS)
        let outcome = dispatcher.run()
        if !outcome.stderr.isEmpty { try? FileDescriptorIO.writeFully(2, Array(outcome.stderr.utf8)) }
        if !outcome.stdout.isEmpty { try? FileDescriptorIO.writeFully(1, outcome.stdout) }
        exit(outcome.exitCode)
    }

    /// Opens `path` the way a plugin will (never blocking, whatever it names) and says whether
    /// it is a network namespace.
    public static func inspectNetNS(_ path: String) -> NetNSInspection {
        // A runtime names a namespace by an absolute path; a relative one would depend on
        // the directory the plugin happens to be started in.
        guard path.hasPrefix("/") else {
            return .unusable(details: "\(NetNSError.shown(path)) is not an absolute path")
        }
        do {
            try NetworkNamespace(path: path).validate()
            return .usable
        } catch {
            switch error.kind {
            case .notFound: return .missing(details: "\(NetNSError.shown(path)) does not exist")
            case .notANamespace, .systemCall: return .unusable(details: error.description)
            }
        }
    }

    /// Compares the namespace file at `path` with `/proc/self/ns/net` (device and inode).
    public static func isOwnNetNS(_ path: String) -> Bool {
        var target = stat()
        var own = stat()
        guard stat(path, &target) == 0, stat("/proc/self/ns/net", &own) == 0 else { return false }
        return target.st_dev == own.st_dev && target.st_ino == own.st_ino
    }
}
