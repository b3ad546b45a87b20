import CNISpec
import JSONSupport
import PluginRuntime

/// DEL: writes the saved original values back and removes the record. Succeeds when there
/// is no record, no namespace or no interface any more (nothing left to restore); a value
/// the kernel refuses is logged, not fatal, so the runtime's teardown of the chain goes on.
struct TuningDel {
    let request: CNIRequest

    func run() throws(CNIError) {
        let store = BackupStore(directory: TuningConfig.dataDir(of: request.config))
        let fileName = BackupRecord.fileName(containerID: request.containerID, ifName: request.ifName)
        guard let bytes = try store.read(fileName) else { return }
        let record: BackupRecord
        do {
            record = try BackupRecord(json: try JSONParser.parse(bytes))
        } catch {
            logger("DEL: unreadable backup \(store.path(of: fileName)) removed: \(error)")
            try store.remove(fileName)
            return
        }
        let failures = try ContainerInterface.with(
            netns: request.netns, ifName: request.ifName, missing: { _ in [String]() }
        ) { interface in interface.restore(record.original) }
        for failure in failures { logger("DEL \(request.containerID)/\(request.ifName): \(failure)") }
        try store.remove(fileName)
    }
}
