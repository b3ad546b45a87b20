import CNISpec
import JSONSupport

/// GC: deletes the backup records of `network` whose attachment is not in `valid`. Records
/// without a network (written by the reference plugin) are left alone.
struct TuningGC {
    let network: String
    let dataDir: String
    let valid: [CNIAttachment]

    func run() throws(CNIError) {
        let store = BackupStore(directory: dataDir)
        for name in try store.names() {
            guard let bytes = try store.read(name),
                let record = try? BackupRecord(json: try JSONParser.parse(bytes)),
                record.network == network, let containerID = record.containerID, let ifName = record.ifName
            else { continue }
            if !valid.contains(CNIAttachment(containerID: containerID, ifname: ifName)) {
                try store.remove(name)
            }
        }
    }
}
