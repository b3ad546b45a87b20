import CNIRuntime
import CNISpec
import Foundation
import JSONSupport

/// A temporary directory removed when the value is dropped.
final class TempDir: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "cniruntime-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: false, encoding: .utf8)
    }
}

func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

func object(_ text: String) throws -> JSONObject {
    guard case .object(let o) = try JSONParser.parse(text) else { throw TestFailure("not an object: \(text)") }
    return o
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A plugin executor that records every call and answers from a script.
final class FakeExecutor: PluginExecutor, @unchecked Sendable {
    struct Call {
        var type: String
        var command: String
        var environment: [String: String]
        var request: JSONObject
    }

    private let lock = NSLock()
    private var recorded: [Call] = []
    /// (plugin type, command, request) → outcome.
    let script: @Sendable (String, String, JSONObject) -> PluginOutcome

    init(script: @escaping @Sendable (String, String, JSONObject) -> PluginOutcome) {
        self.script = script
    }

    var calls: [Call] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// `type:COMMAND` of every call, in order.
    var trace: [String] { calls.map { "\($0.type):\($0.command)" } }

    func find(_ type: String, in path: [String]) -> String? {
        type == "missing" ? nil : "/fake/" + type
    }

    func run(_ executable: String, environment: [String], stdin: [UInt8]) throws(CNIError) -> PluginOutcome {
        var env: [String: String] = [:]
        for entry in environment {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        guard case .object(let request) = try! JSONParser.parse(stdin) else { fatalError("request is not an object") }
        let type = String(executable.dropFirst("/fake/".count))
        let command = env["CNI_COMMAND"] ?? ""
        lock.lock()
        recorded.append(Call(type: type, command: command, environment: env, request: request))
        lock.unlock()
        return script(type, command, request)
    }

    static func success(_ text: String = "") -> PluginOutcome { PluginOutcome(status: 0, stdout: Array(text.utf8)) }

    static func failure(code: Int, msg: String) -> PluginOutcome {
        PluginOutcome(status: 1, stdout: Array(#"{"code":\#(code),"msg":"\#(msg)"}"#.utf8))
    }
}
