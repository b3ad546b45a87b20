#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs another executable with given environment and stdin, capturing its stdout.
///
/// Used to delegate to IPAM plugins and by `cnictl` to run plugins. stderr is inherited so
/// the child's logs reach the same place as ours.
public enum Subprocess {
    public struct Outcome: Sendable {
        /// Exit status, or 128 + signal number when the child was killed by a signal.
        public var status: Int32
        public var stdout: [UInt8]

        public init(status: Int32, stdout: [UInt8]) {
            self.status = status
            self.stdout = stdout
        }
    }

    /// Finds `name` in the directories of `path` (no `/` allowed in `name`).
    public static func find(_ name: String, in path: [String]) -> String? {
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
        for dir in path where !dir.isEmpty {
            let candidate = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Spawns `executable`, writes `stdin` to it, reads its stdout to the end and waits.
    public static func run(
        _ executable: String, arguments: [String] = [], environment: [String], stdin input: [UInt8]
    ) throws(SystemError) -> Outcome {
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        guard makePipe(&inPipe) else {
            throw SystemError("pipe2", errno: errno)
        }
        guard makePipe(&outPipe) else {
            let e = errno
            close(inPipe[0]); close(inPipe[1])
            throw SystemError("pipe2", errno: e)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)

        let argv = [executable] + arguments
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cArgv in
            withCStrings(environment) { cEnv in
                posix_spawn(&pid, executable, &actions, nil, cArgv, cEnv)
            }
        }
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0])
            throw SystemError("posix_spawn", executable, errno: rc)
        }
        // The child reads all of stdin before writing; a child that exits early makes the
        // write fail with EPIPE (SIGPIPE is ignored by the plugin entry point), which is not
        // an error of ours: its exit status tells what happened.
        try? FileDescriptorIO.writeFully(inPipe[1], input)
        close(inPipe[1])
        let output: [UInt8]
        do {
            output = try FileDescriptorIO.readToEnd(outPipe[0])
        } catch {
            close(outPipe[0])
            _ = waitFor(pid)
            throw SystemError("read the output of", executable, errno: error.errno)
        }
        close(outPipe[0])
        return Outcome(status: waitFor(pid), stdout: output)
    }

    /// A close-on-exec pipe (`pipe2` is not visible without _GNU_SOURCE).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    private static func waitFor(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 255 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros.
        let termSignal = status & 0x7F
        if termSignal == 0 { return (status >> 8) & 0xFF }
        return 128 + termSignal
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }

    /// The current process environment as `KEY=VALUE` strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var p = environ
        while let entry = p.pointee {
            result.append(String(cString: entry))
            p += 1
        }
        return result
    }

    /// `environment` with `overrides` applied (a nil value removes the variable).
    public static func environment(_ base: [String], overriding overrides: [String: String?]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(base.count + overrides.count)
        for entry in base {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            if overrides[key] == nil { result.append(entry) }
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let value { result.append("\(key)=\(value)") }
        }
        return result
    }
}
