import CNISpec
import JSONSupport
import PluginRuntime

/// ADD: saves the interface's current values, applies the configured ones, and prints
/// `prevResult` with the interface's MAC updated. Any failure puts back what was changed.
struct TuningAdd {
    let request: CNIRequest
    let config: TuningConfig

    func run() throws(CNIError) -> CNIResult {
        guard var result = try request.config.prevResult() else {
            throw CNIError(
                .invalidNetworkConfig, "required prevResult missing",
                details: "tuning only adjusts an interface another plugin created: run it chained after that plugin")
        }
        let desired = try InterfaceSettings(desired: config, ifName: request.ifName)
        if let allowlist = try SysctlAllowlist.load() { try allowlist.check(config.sysctls.map(\.key)) }

        let store = BackupStore(directory: config.dataDir)
        let fileName = BackupRecord.fileName(containerID: request.containerID, ifName: request.ifName)
        let ifName = request.ifName
        let netns = request.netns
        try ContainerInterface.with(
            netns: netns, ifName: ifName,
            missing: { (reach) throws(CNIError) in
                throw CNIError(
                    TuningFailure.interfaceUnreachable,
                    reach == .namespaceGone ? "failed to open netns \"\(netns)\"" : "failed to find \(ifName) in \(netns)")
            }
        ) { (interface) throws(CNIError) in
            let current = try desired.current(of: interface.link, sysctl: interface.readSysctl)
            // A record left by an earlier ADD of this attachment holds the true originals.
            let earlierBytes = try store.read(fileName)
            let earlier = earlierBytes.flatMap { try? BackupRecord(json: JSONParser.parse($0)) }
            if desired != InterfaceSettings() {
                let original = earlier.map { current.keepingOriginals(from: $0.original) } ?? current
                let record = BackupRecord(
                    network: request.config.name, containerID: request.containerID, ifName: ifName, original: original)
                try store.write(fileName, record.json.serializedBytes())
            }
            do throws(CNIError) {
                try interface.apply(desired)
            } catch {
                for failure in interface.restore(current) { logger("ADD rollback: \(failure)") }
                do {
                    if let earlierBytes { try store.write(fileName, earlierBytes) } else { try store.remove(fileName) }
                } catch {
                    logger("ADD rollback: \(error)")
                }
                throw error
            }
        }
        if let mac = config.mac {
            for index in result.interfaces.indices where result.interfaces[index].name == ifName {
                result.interfaces[index].mac = mac.description
            }
        }
        return result
    }
}
