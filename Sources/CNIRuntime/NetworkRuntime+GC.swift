import CNISpec

extension NetworkRuntime {
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
    /// GC to every plugin (1.1.0 and newer). Ours: abandoned temporary cache files of the
    /// network are removed. Continues after failures and reports all of them.
    /// A list with `disableGC` is left completely alone, stale DELs included, as in libcni.
    public func gc(_ list: NetworkConfigList, explicitValid: [CNIAttachment]?) throws(RuntimeError) -> GCReport {
        if list.disableGC { return GCReport() }
        let plan = GCPlan.compute(cached: cache.attachments(network: list.name), explicitValid: explicitValid) {
            FileSystem.exists($0)
        }
        var report = GCReport(valid: plan.valid)
        cache.removeAbandonedTemporaries(network: list.name)
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
}
