import CNISpec
import NetNS
import Netlink

/// The host end of the container interface's veth pair, where the shaping goes.
enum HostVeth {
    enum Lookup {
        case found(Link)
        /// The namespace is gone or the interface is not there: nothing to find.
        case gone
    }

    /// Finds the peer of `CNI_IFNAME` (its `IFLA_LINK`) among the host's links and checks that
    /// it points back at the container interface. With `listedIn`, the host end must also be
    /// an interface of that result without a sandbox (the reference's rule).
    static func find(netns: String, ifName: String, host: NetlinkSocket, listedIn result: CNIResult?) throws(CNIError) -> Lookup {
        guard !netns.isEmpty else { return .gone }
        let container: Link?
        do {
            container = try NetworkNamespace(path: netns).runOnCurrentThread { try NetlinkSocket().link(named: ifName) }
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return .gone
        } catch {
            throw CNIError(BandwidthFailure.hostInterfaceNotFound, "failed to look up \(ifName) in \(netns)", details: "\(error)")
        }
        guard let container else { return .gone }
        guard container.kind == "veth", let peerIndex = container.linkIndex, peerIndex > 0 else {
            throw CNIError(
                BandwidthFailure.hostInterfaceNotFound, "container interface \(ifName) has no veth peer",
                details: "\(ifName) in \(netns) is a \(container.kind ?? "device without a kind"); bandwidth shapes veth pairs")
        }
        let peer = try attempt("failed to look up ifindex \(peerIndex) on the host", code: BandwidthFailure.hostInterfaceNotFound) {
            try host.link(index: peerIndex)
        }
        guard let peer, peer.kind == "veth", peer.linkIndex == container.index else {
            throw CNIError(
                BandwidthFailure.hostInterfaceNotFound, "veth peer of \(ifName) is not in the host namespace",
                details: "peer ifindex \(peerIndex) of \(ifName) in \(netns)")
        }
        if let result, !result.interfaces.contains(where: { $0.name == peer.name && ($0.sandbox ?? "").isEmpty }) {
            throw CNIError(
                BandwidthFailure.hostInterfaceNotFound, "no veth peer of container interface found in host ns",
                details: "the host end \(peer.name) is not among prevResult's host interfaces")
        }
        return .found(peer)
    }
}
