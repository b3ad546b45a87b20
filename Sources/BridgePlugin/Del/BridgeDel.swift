import CNISpec
import NetNS
import Netlink

/// DEL: removes the container's veth (which takes the host end with it), releases the
/// IPAM reservation and removes the attachment's nftables rules. Every step tolerates
/// what is already gone: an empty `CNI_NETNS`, a vanished namespace, a missing interface.
struct BridgeDel {
    let request: CNIRequest
    let config: BridgeConfig

    func run() throws(CNIError) {
        // Deleting nftables rules and deleting a veth each wait for an RCU grace period in
        // the kernel: the rules go on a second thread while the veth goes here.
        let firewall = AttachmentFirewall(request: request, config: config)
        let rules = BackgroundStep { () -> CNIError? in
            do throws(CNIError) {
                try firewall.remove()
                return nil
            } catch {
                return error
            }
        }
        var failure: CNIError? = nil
        if !request.netns.isEmpty {
            do { try deleteContainerLink() } catch { failure = error }
        }
        if let error = rules.join(), failure == nil { failure = error }
        if let failure { throw failure }
        // The address is released once the interface that carried it is gone.
        if config.isLayer3 {
            try IPAMDelegate.del(request)
        }
    }

    private func deleteContainerLink() throws(CNIError) {
        let namespace = NetworkNamespace(path: request.netns)
        let container: NetlinkSocket
        do {
            container = try NetlinkSocket.open(in: namespace)
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return  // the namespace is gone, and the veth with it
        } catch {
            throw CNIError(.internalError, "failed to open netns \"\(request.netns)\"", details: "\(error)")
        }
        let ifName = request.ifName
        guard let link = try attempt("could not look up \(ifName) in \(request.netns)", { try container.link(named: ifName) }) else {
            return
        }
        guard link.kind == "veth" else {
            Log.error("DEL: \(ifName) in \(request.netns) is a \(link.kind ?? "non-veth") link, not ours; left in place")
            return
        }
        try attempt("failed to delete \(ifName) in \(request.netns)") {
            do { try container.deleteLink(index: link.index) } catch where error.isNotFound {}
        }
    }
}
