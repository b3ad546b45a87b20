import Foundation

/// A BIRD 2 daemon a test starts (`bird -c CONF -s SOCK -P PIDFILE`, in a namespace) and
/// stops by the pid it wrote; never the system's service.
final class BirdProcess: @unchecked Sendable {
    static let binary = "/usr/sbin/bird"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let namespace: String
    let config: String
    let socket: String
    let pidFile: String

    init(namespace: String, config: String, socket: String, pidFile: String) {
        self.namespace = namespace
        self.config = config
        self.socket = socket
        self.pidFile = pidFile
    }

    /// Starts the daemon (it forks into the background once its configuration parsed). The
    /// launcher gives it what a service manager would: no descriptor of ours (Foundation's
    /// Process watches a socket the child inherits, and a daemon keeping it open would look
    /// like a child that never exits), no blocked signals (ours block SIGTERM), output into a
    /// log file.
    func start() throws {
        let log = pidFile + ".log"
        let launcher = """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0); os.dup2(out, 1); os.dup2(out, 2)
            os.closerange(3, 65536)
            os.execvp(sys.argv[2], sys.argv[2:])
            """
        let out = try Shell.run([
            "python3", "-c", launcher, log, "ip", "netns", "exec", namespace, Self.binary, "-c", config, "-s", socket, "-P", pidFile,
        ])
        if out.status != 0 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ShellError(command: "bird -c \(config) in \(namespace)", output: .init(status: out.status, stdout: text, stderr: out.stderr))
        }
    }

    var pid: Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var isRunning: Bool { pid.map { kill($0, 0) == 0 } ?? false }

    /// Stops it with `signal` (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits.
    func stop(signal: Int32 = SIGTERM) {
        guard let pid else { return }
        _ = kill(pid, signal)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
        if kill(pid, 0) == 0 {
            _ = kill(pid, SIGKILL)
            for _ in 0..<50 where kill(pid, 0) == 0 { usleep(20_000) }
        }
        try? FileManager.default.removeItem(atPath: pidFile)
        try? FileManager.default.removeItem(atPath: socket)
    }

    /// One `birdc` command (the test observing BIRD; product code speaks the socket itself).
    func command(_ text: String) throws -> String {
        try Shell.must(["ip", "netns", "exec", namespace, "birdc", "-s", socket, text])
    }
}
