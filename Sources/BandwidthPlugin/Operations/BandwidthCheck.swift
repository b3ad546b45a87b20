import CNISpec
import Netlink
import PluginRuntime

/// CHECK: the host veth and the IFB carry the configured token buckets and the redirect.
struct BandwidthCheck {
    let request: CNIRequest
    let config: BandwidthConfig

    func run() throws(CNIError) {
        guard let result = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "must be called as a chained plugin", details: "CHECK needs prevResult")
        }
        let host = try attempt("could not open a netlink socket in the host namespace", code: BandwidthFailure.changeFailed) {
            try NetlinkSocket()
        }
        guard case .found(let veth) = try HostVeth.find(netns: request.netns, ifName: request.ifName, host: host, listedIn: result) else {
            throw CNIError(BandwidthFailure.hostInterfaceNotFound, "failed to find \(request.ifName) in netns \"\(request.netns)\"")
        }
        let limits = config.limits
        if limits.isZero { return }
        let clock = try attempt("failed to read the packet scheduler clock", code: BandwidthFailure.changeFailed) {
            try PacketSchedulerClock.load()
        }
        var problems: [String] = []
        if limits.limitsIngress {
            let wanted = BandwidthConfig.tokenBucket(rate: limits.ingressRate, burst: limits.ingressBurst, clock: clock)
            problems += try compare(wanted, on: veth, host: host)
        }
        if limits.limitsEgress {
            let wanted = BandwidthConfig.tokenBucket(rate: limits.egressRate, burst: limits.egressBurst, clock: clock)
            let name = IfbName.make(network: config.network, containerID: request.containerID, ifName: request.ifName)
            let found = try attempt("failed to look up ifb \(name)", code: BandwidthFailure.changeFailed) { try host.link(named: name) }
            if let ifb = found, ifb.kind == "ifb" {
                problems += try compare(wanted, on: ifb, host: host)
                let filters = try attempt("failed to list the ingress filters of \(veth.name)", code: BandwidthFailure.changeFailed) {
                    try host.ingressFilters(index: veth.index)
                }
                if !filters.contains(where: { $0.egressRedirects.contains(ifb.index) }) {
                    problems.append("\(veth.name) ingress is not redirected to \(name)")
                }
            } else {
                problems.append("ifb \(name) is missing")
            }
        }
        if !problems.isEmpty {
            throw CNIError(
                BandwidthFailure.checkMismatch, "the shaping of \(request.ifName) is not the configured one",
                details: problems.joined(separator: "; "))
        }
    }

    /// Differences between `wanted` and the root `tbf` of `link`.
    private func compare(_ wanted: TokenBucket, on link: Link, host: NetlinkSocket) throws(CNIError) -> [String] {
        let qdiscs = try attempt("failed to list the qdiscs of \(link.name)", code: BandwidthFailure.changeFailed) {
            try host.queueDisciplines(index: link.index)
        }
        guard let root = qdiscs.first(where: { $0.parent == TrafficControlHandle.root }), let bucket = root.tokenBucket else {
            return ["\(link.name) has no tbf root qdisc"]
        }
        if bucket == wanted { return [] }
        return ["\(link.name) tbf is rate \(bucket.rate) B/s buffer \(bucket.buffer) limit \(bucket.limit), configured rate \(wanted.rate) B/s buffer \(wanted.buffer) limit \(wanted.limit)"]
    }
}
