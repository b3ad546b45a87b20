import CNISpec
import JSONSupport

extension NetworkRuntime {
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

    func convertCached(_ result: JSONValue, _ list: NetworkConfigList) throws(RuntimeError) -> JSONValue {
        do {
            return try RequestBuilder.convertResult(result, to: list.cniVersion, what: "cached result")
        } catch {
            throw .runtime(error)
        }
    }
}
