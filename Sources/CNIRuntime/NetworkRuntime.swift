import CNISpec
import JSONSupport
import SystemSupport

/// Runs whole configuration lists: ADD, CHECK, DEL, GC and STATUS with libcni's request
/// building and result cache (one file per command: `NetworkRuntime+Add.swift`, ...).
///
/// Differences from libcni, on purpose:
/// - a failed ADD rolls back: DEL is run for the failed plugin and every plugin before it,
///   in reverse order, best effort (failures are logged), and the original error is reported;
/// - a failed cache write after ADD also rolls back (the attachment could not be tracked);
/// - CHECK without a cache entry fails with code 3 instead of calling plugins without
///   prevResult.
public struct NetworkRuntime: Sendable {
    public var pluginPath: [String]
    public var cache: ResultCache
    public var executor: any PluginExecutor
    /// The environment plugins inherit (the `CNI_*` variables are always overridden).
    public var baseEnvironment: [String]
    /// Diagnostics (stderr in cnictl).
    public var log: @Sendable (String) -> Void

    public init(
        pluginPath: [String], cacheDirectory: String, executor: any PluginExecutor = SubprocessExecutor(),
        baseEnvironment: [String] = Subprocess.currentEnvironment(),
        log: @escaping @Sendable (String) -> Void = { Log.line("cnictl: " + $0) }
    ) {
        self.pluginPath = pluginPath
        self.cache = ResultCache(directory: cacheDirectory)
        self.executor = executor
        self.baseEnvironment = baseEnvironment
        self.log = log
    }

    /// Rejects names that cannot be used in file names and environment variables.
    func validate(_ list: NetworkConfigList, _ rt: RuntimeConf) throws(RuntimeError) {
        do {
            try Identifiers.validate(network: list.name, rt)
        } catch {
            throw .runtime(error)
        }
    }

    /// Runs one plugin; returns its stdout on success.
    func invoke(_ index: Int, _ plugin: JSONObject, _ command: CNICommand, request: JSONObject, rt: RuntimeConf?)
        throws(RuntimeError) -> [UInt8]
    {
        let type = plugin["type"]?.stringValue ?? ""
        func failure(_ error: CNIError, _ output: JSONValue? = nil) -> RuntimeError {
            .plugin(PluginFailure(index: index, type: type, command: command, error: error, output: output))
        }
        guard let executable = executor.find(type, in: pluginPath) else {
            throw failure(
                CNIError(
                    .invalidNetworkConfig, "failed to find plugin \"\(type)\"",
                    details: "searched CNI_PATH [\(pluginPath.joined(separator: " "))]"))
        }
        let environment = PluginEnvironment.make(base: baseEnvironment, command: command, rt: rt, path: pluginPath)
        let outcome: PluginOutcome
        do {
            outcome = try executor.run(executable, environment: environment, stdin: JSONValue.object(request).serializedBytes())
        } catch {
            throw failure(error)
        }
        if outcome.status == 0 { return outcome.stdout }
        if let value = try? JSONParser.parse(outcome.stdout), let error = CNIError(json: value) {
            throw failure(error, value)
        }
        let text = String(decoding: outcome.stdout.prefix(512), as: UTF8.self)
        throw failure(
            CNIError(
                .internalError, "\(executable) exited with status \(outcome.status)",
                details: text.isEmpty ? "no error object on stdout (see the plugin's stderr)" : "stdout: \(text)"))
    }
}
