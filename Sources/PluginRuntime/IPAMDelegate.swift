import CNISpec
import JSONSupport
import SystemSupport

/// Runs the IPAM plugin named by `ipam.type`, as the spec's delegation rules require: same
/// environment (with `CNI_COMMAND` set), the whole configuration on stdin, its stderr
/// passed through, its error code passed back unchanged.
///
/// `runner` runs the executable that `CNI_PATH` resolves; the default execs it. A plugin may
/// pass its own (the bridge runs its sibling host-local in-process, see `InProcessIPAM`): the
/// search, the error for a missing plugin and the reading of the outcome stay the same.
public enum IPAMDelegate {
    /// Runs the found IPAM executable for `command` and returns its exit status and stdout.
    public typealias Runner = @Sendable (_ executable: String, _ command: CNICommand, _ request: CNIRequest) throws(CNIError) ->
        Subprocess.Outcome

    /// The default runner: exec the executable with our environment (`CNI_COMMAND` set) and the config on stdin.
    public static let exec: Runner = { (executable, command, request) throws(CNIError) in
        let environment = Subprocess.environment(
            Subprocess.currentEnvironment(), overriding: ["CNI_COMMAND": command.rawValue])
        do throws(SystemError) {
            return try Subprocess.run(executable, environment: environment, stdin: request.config.bytes)
        } catch {
            throw CNIError(.ioFailure, "failed to run \(executable)", details: error.description)
        }
    }

    /// ADD of the delegate. When the delegate ran and failed (or printed a result that cannot
    /// be read), it is run again with DEL before the failure is returned, as the spec's
    /// delegation procedure asks: whatever it reserved before failing is released.
    public static func add(_ request: CNIRequest, runner: Runner = exec) throws(CNIError) -> CNIResult {
        let executable = try locate(request)
        do throws(CNIError) {
            let output = try run(executable, request, command: .add, runner: runner)
            let value: JSONValue
            do {
                value = try JSONParser.parse(output)
            } catch {
                throw CNIError(
                    .decodingFailure, "IPAM plugin \"\(request.config.ipamType ?? "")\" printed an invalid result",
                    details: error.description)
            }
            return try CNIResult.parse(value, defaultVersion: request.version, path: "IPAM result").result
        } catch {
            do {
                _ = try run(executable, request, command: .del, runner: runner)
            } catch let cleanup {
                Log.line("IPAM DEL after the failed IPAM ADD failed too: \(cleanup)")
            }
            throw error
        }
    }

    public static func del(_ request: CNIRequest, runner: Runner = exec) throws(CNIError) {
        _ = try invoke(request, command: .del, runner: runner)
    }
    public static func check(_ request: CNIRequest, runner: Runner = exec) throws(CNIError) {
        _ = try invoke(request, command: .check, runner: runner)
    }
    public static func gc(_ request: CNIRequest, runner: Runner = exec) throws(CNIError) {
        _ = try invoke(request, command: .gc, runner: runner)
    }

    /// STATUS of the delegate; a delegate that cannot be found or run makes us unavailable (50).
    public static func status(_ request: CNIRequest, runner: Runner = exec) throws(CNIError) {
        do {
            _ = try invoke(request, command: .status, runner: runner)
        } catch let error where error.code == .invalidNetworkConfig || error.code == .ioFailure {
            throw CNIError(.pluginNotAvailable, error.msg, details: error.details)
        }
    }

    /// Executes the delegate and returns its stdout, or throws its error.
    public static func invoke(
        _ request: CNIRequest, command: CNICommand, runner: Runner = exec
    ) throws(CNIError) -> [UInt8] {
        try run(try locate(request), request, command: command, runner: runner)
    }

    /// The executable `CNI_PATH` resolves for `ipam.type`.
    static func locate(_ request: CNIRequest) throws(CNIError) -> String {
        guard let type = request.config.ipamType else {
            throw CNIError(.invalidNetworkConfig, "no IPAM plugin configured", details: "ipam.type is missing")
        }
        guard let executable = Subprocess.find(type, in: request.path) else {
            throw CNIError(
                .invalidNetworkConfig, "failed to find IPAM plugin \"\(type)\"",
                details: "searched CNI_PATH [\(request.path.joined(separator: " "))]")
        }
        return executable
    }

    static func run(
        _ executable: String, _ request: CNIRequest, command: CNICommand, runner: Runner
    ) throws(CNIError) -> [UInt8] {
        let outcome = try runner(executable, command, request)
        if outcome.status == 0 { return outcome.stdout }
        if let value = try? JSONParser.parse(outcome.stdout), let error = CNIError(json: value) {
            throw error
        }
        let type = request.config.ipamType ?? ""
        let text = String(decoding: outcome.stdout.prefix(512), as: UTF8.self)
        throw CNIError(
            .internalError, "IPAM plugin \"\(type)\" failed with exit status \(outcome.status)",
            details: text.isEmpty ? "no output" : text)
    }
}
