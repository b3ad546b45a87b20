import CNISpec

/// Runs whole configuration lists: ADD, CHECK, DEL, GC and STATUS with libcni's request
/// building and result cache.
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
        log: @escaping @Sendable (String) -> Void = { FileDescriptorIO.log("cnictl: " + $0) }
    ) {
        self.pluginPath = pluginPath
        self.cache = ResultCache(directory: cacheDirectory)
        self.executor = executor
        self.baseEnvironment = baseEnvironment
        self.log = log
    }

    // MARK: ADD

    /// Runs ADD through the list and returns the final result in the list's version.
    public func add(_ list: NetworkConfigList, _ rt: RuntimeConf) throws(RuntimeError) -> JSONValue {
        try validate(list, rt)
        var prevResult: JSONValue?
        for (index, plugin) in list.plugins.enumerated() {
            do {
                let request = RequestBuilder.pluginRequest(
                    plugin: plugin, list: list, prevResult: prevResult, capabilityArgs: rt.capabilityArgs)
                let output = try invoke(index, plugin, .add, request: request, rt: rt)
                prevResult = try parseResult(output, index: index, plugin: plugin, version: list.cniVersion)
            } catch {
                rollback(list, rt, through: index, prevResult: prevResult, reason: "ADD failed at plugin \(index) (\(list.pluginTypes[index]))")
                throw error
            }
        }
        guard let result = prevResult else {
            throw .runtime(CNIError(.invalidNetworkConfig, "network \"\(list.name)\" has no plugins"))
        }
        do {
            try cache.write(CacheEntry(list: list, rt: rt, result: result))
        } catch {
            rollback(list, rt, through: list.plugins.count - 1, prevResult: result, reason: "the result could not be cached")
            throw .runtime(CNIError(error.code, "failed to cache the result of network \"\(list.name)\"", details: error.description))
        }
        return result
    }

    /// DEL for plugins `index...0`, reverse order, every failure logged and skipped.
    private func rollback(_ list: NetworkConfigList, _ rt: RuntimeConf, through index: Int, prevResult: JSONValue?, reason: String) {
        log("\(reason); rolling back with DEL of plugins \(index) to 0")
        let prev = list.cniVersion >= .v0_4_0 ? prevResult : nil
        for i in stride(from: index, through: 0, by: -1) {
            let plugin = list.plugins[i]
            let request = RequestBuilder.pluginRequest(plugin: plugin, list: list, prevResult: prev, capabilityArgs: rt.capabilityArgs)
            do {
                _ = try invoke(i, plugin, .del, request: request, rt: rt)
            } catch {
                log("rollback: \(error.description)")
            }
        }
    }

    private func parseResult(_ output: [UInt8], index: Int, plugin: JSONObject, version: CNIVersion) throws(RuntimeError) -> JSONValue {
        let type = plugin["type"]?.stringValue ?? "?"
        do throws(CNIError) {
            let value: JSONValue
            do {
                value = try JSONParser.parse(output)
            } catch {
                throw CNIError(.decodingFailure, "plugin printed an invalid result", details: error.description)
            }
            return try RequestBuilder.convertResult(value, to: version, what: "result of plugin \(index) (\(type))")
        } catch {
            throw .plugin(PluginFailure(index: index, type: type, command: .add, error: error))
        }
    }

    // MARK: CHECK

    public enum CheckOutcome: Sendable, Equatable {
        case checked
        /// The list sets `disableCheck`.
        case disabled
    }

    public func check(_ list: NetworkConfigList, _ rt: RuntimeConf) throws(RuntimeError) -> CheckOutcome {
        try validate(list, rt)
        guard list.cniVersion >= .v0_4_0 else {
            throw .runtime(
                CNIError(
                    .incompatibleVersion, "network \"\(list.name)\" uses CNI version \(list.cniVersion)",
                    details: "CHECK needs 0.4.0 or newer"))
        }
        if list.disableCheck { return .disabled }
        let prevResult: JSONValue
        switch cache.read(network: list.name, containerID: rt.containerID, ifName: rt.ifName) {
        case .missing:
            throw .runtime(
                CNIError(
                    .unknownContainer, "no cached result for this attachment",
                    details: "network \"\(list.name)\", container \"\(rt.containerID)\", interface \"\(rt.ifName)\" "
                        + "(looked for \(cache.path(network: list.name, containerID: rt.containerID, ifName: rt.ifName)))"))
        case .corrupt(let path, let reason):
            throw .runtime(CNIError(.decodingFailure, "cannot read cached result \(path)", details: reason))
        case .found(let entry):
            guard let result = entry.result else {
                throw .runtime(CNIError(.decodingFailure, "cached entry has no result", details: cache.path(network: list.name, containerID: rt.containerID, ifName: rt.ifName)))
            }
            prevResult = try convertCached(result, list)
        case .legacyResult(let result):
            prevResult = try convertCached(result, list)
        }
        for (index, plugin) in list.plugins.enumerated() {
            let request = RequestBuilder.pluginRequest(plugin: plugin, list: list, prevResult: prevResult, capabilityArgs: rt.capabilityArgs)
            _ = try invoke(index, plugin, .check, request: request, rt: rt)
        }
        return .checked
    }

    private func convertCached(_ result: JSONValue, _ list: NetworkConfigList) throws(RuntimeError) -> JSONValue {
        do {
            return try RequestBuilder.convertResult(result, to: list.cniVersion, what: "cached result")
        } catch {
            throw .runtime(error)
        }
    }

    // MARK: DEL

    /// DEL in reverse order, stopping at the first failure. For 0.4.0 and newer the cached
    /// result is passed as prevResult; an unusable cache entry is removed and DEL proceeds
    /// without it (containernetworking/cni#1072). The entry is removed after success.
    public func del(_ list: NetworkConfigList, _ rt: RuntimeConf) throws(RuntimeError) {
        try validate(list, rt)
        var prevResult: JSONValue?
        if list.cniVersion >= .v0_4_0 {
            let cached: JSONValue?
            switch cache.read(network: list.name, containerID: rt.containerID, ifName: rt.ifName) {
            case .missing: cached = nil
            case .corrupt(let path, let reason):
                log("ignoring unusable cache entry \(path): \(reason)")
                try? cache.remove(network: list.name, containerID: rt.containerID, ifName: rt.ifName)
                cached = nil
            case .found(let entry): cached = entry.result
            case .legacyResult(let result): cached = result
            }
            if let cached {
                do {
                    prevResult = try RequestBuilder.convertResult(cached, to: list.cniVersion, what: "cached result")
                } catch {
                    log("DEL proceeds without prevResult: \(error.description)")
                }
            }
        }
        for index in stride(from: list.plugins.count - 1, through: 0, by: -1) {
            let plugin = list.plugins[index]
            let request = RequestBuilder.pluginRequest(plugin: plugin, list: list, prevResult: prevResult, capabilityArgs: rt.capabilityArgs)
            _ = try invoke(index, plugin, .del, request: request, rt: rt)
        }
        do {
            try cache.remove(network: list.name, containerID: rt.containerID, ifName: rt.ifName)
        } catch {
            throw .runtime(error)
        }
    }

    // MARK: GC

    public struct GCReport: Sendable, Equatable {
        /// Attachments deleted because they were not valid.
        public var deleted: [CNIAttachment] = []
        /// Whether the GC command was sent to the plugins (1.1.0 or newer, `disableGC` false).
        /// When it was not, `valid` lists what would have been sent.
        public var gcSent = false
        /// The valid list sent.
        public var valid: [CNIAttachment] = []

        public init(deleted: [CNIAttachment] = [], gcSent: Bool = false, valid: [CNIAttachment] = []) {
            self.deleted = deleted
            self.gcSent = gcSent
            self.valid = valid
        }
    }

    /// DEL for every stale cached attachment (with the runtime inputs recorded at ADD), then
    /// GC to every plugin (1.1.0 and newer). Continues after failures and reports all of them.
    /// A list with `disableGC` is left completely alone, stale DELs included, as in libcni.
    public func gc(_ list: NetworkConfigList, explicitValid: [CNIAttachment]?) throws(RuntimeError) -> GCReport {
        if list.disableGC { return GCReport() }
        let plan = GCPlan.compute(cached: cache.attachments(network: list.name), explicitValid: explicitValid) {
            FileSystem.exists($0)
        }
        var report = GCReport(valid: plan.valid)
        var failures: [RuntimeError] = []
        for entry in plan.stale {
            do {
                try del(list, entry.runtimeConf)
                report.deleted.append(entry.attachment)
            } catch {
                failures.append(
                    .runtime(CNIError(error.cniError.code, "failed to delete stale attachment \(entry.containerID)/\(entry.ifName)", details: error.description)))
            }
        }
        if list.cniVersion >= .v1_1_0 {
            report.gcSent = true
            for (index, plugin) in list.plugins.enumerated() {
                let request = RequestBuilder.gcRequest(plugin: plugin, list: list, validAttachments: plan.valid)
                do {
                    _ = try invoke(index, plugin, .gc, request: request, rt: nil)
                } catch {
                    failures.append(error)
                }
            }
        }
        if !failures.isEmpty { throw .multiple(failures) }
        return report
    }

    // MARK: STATUS

    /// STATUS to every plugin in order, stopping at the first that is not ready. Returns
    /// false when the list's version has no STATUS (below 1.1.0: nothing is run).
    public func status(_ list: NetworkConfigList) throws(RuntimeError) -> Bool {
        guard list.cniVersion >= .v1_1_0 else { return false }
        for (index, plugin) in list.plugins.enumerated() {
            _ = try invoke(index, plugin, .status, request: RequestBuilder.statusRequest(plugin: plugin, list: list), rt: nil)
        }
        return true
    }

    // MARK: Plugin execution

    private func validate(_ list: NetworkConfigList, _ rt: RuntimeConf) throws(RuntimeError) {
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
