#if canImport(Glibc)
import Glibc
#endif

/// A session on BIRD's control socket (what `birdc` speaks): connect, read the greeting,
/// then one command and its reply at a time. Every call is bounded by `timeoutMilliseconds`
/// as a whole, so a BIRD that stops answering never blocks a plugin.
public final class BirdClient {
    public let socketPath: String
    private let socket: BirdSocket
    private let timeoutMilliseconds: Int
    private var parser = BirdReplyParser()
    /// The greeting, e.g. `BIRD 2.0.12 ready.`
    public private(set) var greeting: String = ""

    public init(socketPath: String, timeoutMilliseconds: Int = 2000) throws(BirdControlError) {
        self.socketPath = socketPath
        self.timeoutMilliseconds = timeoutMilliseconds
        socket = try BirdSocket(path: socketPath, timeoutMilliseconds: timeoutMilliseconds)
        let hello = try readReply(operation: "greeting from")
        guard hello.code == 1 else { throw .malformed("greeting \(hello.code) \(hello.message)") }
        greeting = hello.message
    }

    /// Runs `command`; a reply with an error code is thrown as `.refused`.
    public func run(_ command: String) throws(BirdControlError) -> BirdReply {
        guard !command.contains("\n") else { throw .malformed("a command with a newline") }
        try socket.send(Array((command + "\n").utf8))
        let reply = try readReply(operation: "reply to \"\(command)\" from")
        if reply.isError { throw .refused(command: command, code: reply.code, message: reply.message) }
        return reply
    }

    /// `configure`: BIRD re-reads the configuration file it was started with.
    public func configure() throws(BirdControlError) -> BirdReply { try run("configure") }

    /// `show protocols all`, parsed.
    public func protocols() throws(BirdControlError) -> [BirdProtocolStatus] {
        BirdProtocolStatus.parse(try run("show protocols all"))
    }

    private func readReply(operation: String) throws(BirdControlError) -> BirdReply {
        let deadline = Self.now() + Int64(timeoutMilliseconds) * 1_000_000
        while true {
            if let reply = try parser.feed([]) { return reply }
            if Self.now() > deadline { throw .timeout(operation: operation, path: socketPath) }
            let bytes = try socket.receive()
            if bytes.isEmpty { throw .closed(path: socketPath) }
            if let reply = try parser.feed(bytes) { return reply }
        }
    }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
