import CNISpec
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// The kernel objects of one attachment's shaping, on the host: a `tbf` root on the host
/// veth (traffic to the container), and for traffic from the container an ingress qdisc on
/// the host veth whose filter redirects everything to an IFB device with its own `tbf` root.
///
/// When the veth already has an ingress hook (the clsact of the vxlan plugin's eBPF data
/// path, which an ingress qdisc cannot join: EEXIST), the redirect is added to it, at
/// priority 1, ahead of the other filters; the hook stays its owner's.
struct Shaping {
    let host: NetlinkSocket
    let veth: Link

    /// Objects made so far, undone in reverse by `rollback`.
    private(set) var createdRoot = false
    private(set) var createdIngress = false
    private(set) var createdRedirect = false
    private(set) var createdIfb: Int32?

    init(host: NetlinkSocket, veth: Link) {
        self.host = host
        self.veth = veth
    }

    mutating func limitIngress(_ bucket: TokenBucket) throws(CNIError) {
        let index = veth.index
        try attempt("failed to add the tbf qdisc to \(veth.name)", code: BandwidthFailure.changeFailed) {
            try host.addTokenBucketRoot(index: index, bucket)
        }
        createdRoot = true
    }

    /// Creates the IFB (named `name`, with the veth's MTU and queue length) and returns it.
    mutating func limitEgress(_ bucket: TokenBucket, ifb name: String, alias: String) throws(CNIError) -> Link {
        let (mtu, length) = (veth.mtu, veth.txQueueLength)
        try attempt("failed to create ifb \(name)", code: BandwidthFailure.changeFailed) {
            try host.createIfb(name: name, mtu: mtu, txQueueLength: length)
        }
        let found = try attempt("failed to look up ifb \(name)", code: BandwidthFailure.changeFailed) { try host.link(named: name) }
        guard let ifb = found else { throw CNIError(BandwidthFailure.changeFailed, "ifb \(name) vanished after creation") }
        createdIfb = ifb.index
        try attempt("failed to set up ifb \(name)", code: BandwidthFailure.changeFailed) {
            try host.setUp(index: ifb.index)
            if alias.utf8.count < 256 { try host.setAlias(index: ifb.index, alias) }
        }
        let index = veth.index
        let qdiscs = try attempt("failed to list the qdiscs of \(veth.name)", code: BandwidthFailure.changeFailed) {
            try host.queueDisciplines(index: index)
        }
        if ingressHook(in: qdiscs) == nil {
            try attempt("failed to add the ingress qdisc to \(veth.name)", code: BandwidthFailure.changeFailed) {
                try host.addIngressQueueDiscipline(index: index)
            }
            createdIngress = true
        }
        try attempt("failed to redirect \(veth.name) ingress to \(name)", code: BandwidthFailure.changeFailed) {
            try host.addIngressRedirect(index: index, to: ifb.index)
        }
        createdRedirect = true
        try attempt("failed to add the tbf qdisc to \(name)", code: BandwidthFailure.changeFailed) {
            try host.addTokenBucketRoot(index: ifb.index, bucket)
        }
        return ifb
    }

    /// Removes what this `Shaping` created; failures are logged (the original error is what
    /// the runtime needs to see).
    func rollback() {
        if let ifb = createdIfb { ignoringAbsence("delete ifb") { try host.deleteLink(index: ifb) } }
        if createdIngress {
            removeIngress(of: veth, host: host)
        } else if createdRedirect {
            ignoringAbsence("delete the redirect of \(veth.name)") { try host.deleteIngressRedirect(index: veth.index) }
        }
        if createdRoot {
            ignoringAbsence("delete tbf of \(veth.name)") {
                try host.deleteQueueDiscipline(index: veth.index, parent: TrafficControlHandle.root, handle: TrafficControlHandle.make(1, 0))
            }
        }
    }
}

/// The qdisc holding the ingress filters of a link (an ingress qdisc or a clsact), if any.
func ingressHook(in qdiscs: [QueueDiscipline]) -> QueueDiscipline? {
    qdiscs.first { $0.handle == TrafficControlHandle.ingress && ($0.kind == "ingress" || $0.kind == "clsact") }
}

/// Deletes the ingress qdisc of `link` (its filters go with it).
func removeIngress(of link: Link, host: NetlinkSocket) {
    ignoringAbsence("delete ingress qdisc of \(link.name)") {
        try host.deleteQueueDiscipline(index: link.index, parent: TrafficControlHandle.ingressParent, handle: TrafficControlHandle.ingress)
    }
}

/// Runs a removal; an object already gone is fine, anything else is logged.
func ignoringAbsence(_ what: String, _ body: () throws -> Void) {
    do {
        try body()
    } catch let error as NetlinkError where error.notFound || error.errno == EINVAL {
        return
    } catch {
        logger("\(what): \(error)")
    }
}
