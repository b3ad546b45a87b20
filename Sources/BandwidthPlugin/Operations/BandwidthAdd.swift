import CNISpec
import Netlink
import PluginRuntime

/// ADD: shapes the attachment's traffic on the host end of its veth and prints `prevResult`
/// (plus the IFB device when egress is limited). Without limits it changes nothing.
struct BandwidthAdd {
    let request: CNIRequest
    let config: BandwidthConfig

    func run() throws(CNIError) -> CNIResult {
        let previous = try request.config.prevResult()
        let limits = config.limits
        if limits.isZero { return previous ?? CNIResult() }
        guard var result = previous else {
            throw CNIError(
                .invalidNetworkConfig, "must be called as chained plugin",
                details: "bandwidth shapes the veth another plugin created: run it chained after that plugin (prevResult missing)")
        }
        let clock = try attempt("failed to read the packet scheduler clock", code: BandwidthFailure.changeFailed) {
            try PacketSchedulerClock.load()
        }
        let ingress = limits.limitsIngress
            ? BandwidthConfig.tokenBucket(rate: limits.ingressRate, burst: limits.ingressBurst, clock: clock) : nil
        let egress = limits.limitsEgress
            ? BandwidthConfig.tokenBucket(rate: limits.egressRate, burst: limits.egressBurst, clock: clock) : nil

        let host = try attempt("could not open a netlink socket in the host namespace", code: BandwidthFailure.changeFailed) {
            try NetlinkSocket()
        }
        let veth: Link
        switch try HostVeth.find(netns: request.netns, ifName: request.ifName, host: host, listedIn: result) {
        case .found(let link): veth = link
        case .gone:
            throw CNIError(
                BandwidthFailure.hostInterfaceNotFound, "failed to find \(request.ifName) in netns \"\(request.netns)\"",
                details: "the container interface must exist before bandwidth runs")
        }

        var shaping = Shaping(host: host, veth: veth)
        do throws(CNIError) {
            if let ingress { try shaping.limitIngress(ingress) }
            if let egress {
                let name = IfbName.make(network: config.network, containerID: request.containerID, ifName: request.ifName)
                let alias = IfbName.alias(network: config.network, containerID: request.containerID, ifName: request.ifName)
                let ifb = try shaping.limitEgress(egress, ifb: name, alias: alias)
                result.interfaces.append(CNIResult.Interface(name: ifb.name, mac: ifb.mac?.description))
            }
        } catch {
            shaping.rollback()
            throw error
        }
        return result
    }
}
