import JSONSupport

extension NetworkRuntime {
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
}
