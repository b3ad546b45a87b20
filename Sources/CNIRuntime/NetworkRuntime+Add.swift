import CNISpec
import JSONSupport

extension NetworkRuntime {
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
    func rollback(_ list: NetworkConfigList, _ rt: RuntimeConf, through index: Int, prevResult: JSONValue?, reason: String) {
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

    func parseResult(_ output: [UInt8], index: Int, plugin: JSONObject, version: CNIVersion) throws(RuntimeError) -> JSONValue {
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
}
