
extension NetworkRuntime {
    /// STATUS to every plugin in order, stopping at the first that is not ready. Returns
    /// false when the list's version has no STATUS (below 1.1.0: nothing is run).
    public func status(_ list: NetworkConfigList) throws(RuntimeError) -> Bool {
        guard list.cniVersion >= .v1_1_0 else { return false }
        for (index, plugin) in list.plugins.enumerated() {
            _ = try invoke(index, plugin, .status, request: RequestBuilder.statusRequest(plugin: plugin, list: list), rt: nil)
        }
        return true
    }
}
