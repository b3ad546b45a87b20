import Foundation

/// Runs observation and set-up commands (`ip`, `nft`, ...) for tests.
enum Shell {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        if let environment { process.environment = environment }
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        ignoreSIGPIPE
        try process.run()
        // A child may exit without reading its stdin (a plugin rejecting its environment):
        // the write then fails with EPIPE, which is not an error of the test.
        if let stdin { try? inPipe.fileHandleForWriting.write(contentsOf: stdin) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Runs a command that must succeed; throws with its stderr otherwise.
    @discardableResult
    static func must(_ arguments: [String]) throws -> String {
        let output = try run(arguments)
        guard output.status == 0 else {
            throw ShellError(command: arguments.joined(separator: " "), output: output)
        }
        return output.stdout
    }

    /// Runs `arguments` inside the network namespace `ns` (`ip netns exec`).
    @discardableResult
    static func inNS(_ ns: String, _ arguments: [String]) throws -> String {
        try must(["ip", "netns", "exec", ns] + arguments)
    }

    /// Parses `ip -j ...` output.
    static func json(_ arguments: [String]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try must(arguments).utf8))
    }
}

/// Writing to a pipe whose reader has exited must fail with EPIPE, not kill the test process.
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

final class DataBox: @unchecked Sendable { var data = Data() }

struct ShellError: Error, CustomStringConvertible {
    var command: String
    var output: Shell.Output
    var description: String { "`\(command)` exited \(output.status): \(output.stderr)\(output.stdout)" }
}
