import CNISpec
import Netlink
import Overlay
import VxlanDataPath

/// A pod's part of the eBPF data path, for ADD and DEL.
enum PodDataPath {
    /// Attaches the program to the pod's host veth and records its addresses (the veth and
    /// bridge come from the links `ensure` listed; `podForwards` was read in the pod's
    /// namespace with the MTU change).
    static func add(
        _ result: CNIResult, netns: String, podForwards: Bool, shaped: Bool, to dataPath: NodeDataPath
    ) throws(CNIError) {
        guard var pod = PodAttachment.from(result, netns: netns, links: dataPath.links) else {
            logger("no veth attachment with addresses in prevResult: the pod takes the kernel path")
            return
        }
        pod.forwards = podForwards
        pod.shaped = shaped
        try attempt("add the pod to the eBPF data path") { try dataPath.addPod(pod) }
    }

    /// Removes the addresses of `previous` from the node's data path, if there is one.
    static func remove(_ previous: CNIResult, config: VxlanConfig) throws(CNIError) {
        let socket = try attempt("open a netlink socket") { try NetlinkSocket() }
        guard let dataPath = try attempt("find the eBPF data path of \(config.device)", { try NodeDataPath.find(device: config.device, socket: socket) })
        else { return }
        let addresses = previous.ips.compactMap { InetPrefix($0.address)?.address }
        try attempt("remove the pod from the eBPF data path") { try dataPath.removePod(addresses: addresses) }
    }

    /// CHECK: with a data path on the node, the pod is on it.
    static func problems(_ previous: CNIResult, netns: String, config: VxlanConfig) throws(CNIError) -> [String] {
        guard config.dataPath != .kernel else { return [] }
        let socket = try attempt("open a netlink socket") { try NetlinkSocket() }
        guard let dataPath = try attempt("find the eBPF data path of \(config.device)", { try NodeDataPath.find(device: config.device, socket: socket) }),
            let pod = PodAttachment.from(previous, netns: netns, links: try attempt("list links", { try socket.links() }))
        else { return [] }
        return try attempt("check the pod's eBPF data path") { try dataPath.problems(pod: pod) }
    }
}
