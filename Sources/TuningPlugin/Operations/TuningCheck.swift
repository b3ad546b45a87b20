import CNISpec
import PluginRuntime

/// CHECK: the interface and the sysctls have the configured values.
struct TuningCheck {
    let request: CNIRequest
    let config: TuningConfig

    func run() throws(CNIError) {
        guard try request.config.prevResult() != nil else {
            throw CNIError(.invalidNetworkConfig, "required prevResult missing", details: "CHECK needs the result of ADD")
        }
        let desired = try InterfaceSettings(desired: config, ifName: request.ifName)
        let ifName = request.ifName
        let netns = request.netns
        let mismatches = try ContainerInterface.with(
            netns: netns, ifName: ifName,
            missing: { (reach) throws(CNIError) -> [String] in
                throw CNIError(
                    TuningFailure.interfaceUnreachable,
                    reach == .namespaceGone ? "failed to open netns \"\(netns)\"" : "cannot find container link \(ifName) in \(netns)")
            }
        ) { (interface) throws(CNIError) in
            try desired.mismatches(of: interface.link, ifName: ifName, sysctl: interface.readSysctl)
        }
        if !mismatches.isEmpty {
            throw CNIError(
                TuningFailure.checkMismatch, "\(ifName) does not have the configured tuning",
                details: mismatches.joined(separator: "; "))
        }
    }
}
