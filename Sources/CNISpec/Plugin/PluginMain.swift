#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process entry point of every plugin executable: `PluginMain.run(MyPlugin())`.
public enum PluginMain {
    /// Reads the real environment and stdin, dispatches, writes stdout/stderr and exits.
    public static func run(_ plugin: some CNIPlugin) -> Never {
        // A delegate that exits without reading its stdin must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let dispatcher = PluginDispatcher(
            plugin: plugin,
            getenv: { name in
                guard let value = Glibc.getenv(name) else { return nil }
                return String(cString: value)
            },
            readStdin: { () throws(CNIError) in try FileDescriptorIO.readAll(0) },
            isOwnNetNS: isOwnNetNS)
        let outcome = dispatcher.run()
        if !outcome.stderr.isEmpty { try? FileDescriptorIO.writeAll(2, Array(outcome.stderr.utf8)) }
        if !outcome.stdout.isEmpty { try? FileDescriptorIO.writeAll(1, outcome.stdout) }
        exit(outcome.exitCode)
    }

    /// Compares the namespace file at `path` with `/proc/self/ns/net` (device and inode).
    public static func isOwnNetNS(_ path: String) -> Bool {
        var target = stat()
        var own = stat()
        guard stat(path, &target) == 0, stat("/proc/self/ns/net", &own) == 0 else { return false }
        return target.st_dev == own.st_dev && target.st_ino == own.st_ino
    }
}
