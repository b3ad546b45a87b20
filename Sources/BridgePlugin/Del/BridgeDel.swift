import CNISpec
import NetNS
import Netlink

/// DEL: disconnects the container's veth and has it deleted in the background (`Tombstone`;
/// the host end goes with it), releases the IPAM reservation and removes the attachment's
/// nftables rules. After DEL returns the pod is disconnected, `CNI_IFNAME` is free and the
/// address released; the kernel object disappears asynchronously. Every step tolerates
/// what is already gone: an empty `CNI_NETNS`, a vanished namespace, a missing interface.
struct BridgeDel {
    let request: CNIRequest
    let config: BridgeConfig

    func run() throws(CNIError) {
        // Deleting nftables rules and deleting a veth each wait for an RCU grace period in
        // the kernel: the rules go on a second thread while the veth goes here.
        let firewall = AttachmentFirewall(request: request, config: config)
        let rules = BackgroundStep<Void> { () -> Result<Void, CNIError> in
            do throws(CNIError) {
                return .success(try firewall.remove())
            } catch {
                return .failure(error)
            }
        }
        var failure: CNIError? = nil
        do {
            let deleted = request.netns.isEmpty ? false : try deleteContainerLink()
            if !deleted { try deleteHostEndByAlias() }
        } catch {
            failure = error
        }
        if case .failure(let error) = rules.join(), failure == nil { failure = error }
        if let failure { throw failure }
        // The address is released once the interface that carried it is gone.
        if config.isLayer3 {
            try BridgeIPAM.del(request)
        }
    }

    /// When the container side could not be reached (no or a vanished namespace, interface
    /// missing), the host end is found by its alias and deleted (which removes the pair): a
    /// namespace whose path is gone may live on (held by a process) or be torn down later.
    private func deleteHostEndByAlias() throws(CNIError) {
        let alias = AttachmentAlias.make(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
        let host = try attempt("could not open a netlink socket in the host namespace") { try NetlinkSocket() }
        let links = try attempt("could not list the host's links") { try host.linkAliases() }
        // Also any retired pair of this network whose background deletion never ran.
        let tombstone = AttachmentAlias.tombstone(network: config.networkName)
        for link in links where (link.alias == alias || link.alias == tombstone) && link.kind == "veth" {
            try attempt("failed to delete host veth \(link.name) of \(request.containerID)/\(request.ifName)") {
                do { try host.deleteLink(index: link.index) } catch where error.isNotFound {}
            }
        }
    }

    /// Deletes the container's veth; false when there was none to delete.
    private func deleteContainerLink() throws(CNIError) -> Bool {
        let namespace = NetworkNamespace(path: request.netns)
        let container: NetlinkSocket
        do {
            container = try NetlinkSocket.open(in: namespace)
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return false  // the namespace is gone (its veth goes with it, perhaps later)
        } catch {
            throw CNIError(.internalError, "failed to open netns \"\(request.netns)\"", details: "\(error)")
        }
        let ifName = request.ifName
        guard let link = try attempt("could not look up \(ifName) in \(request.netns)", { try container.link(named: ifName) }) else {
            return false
        }
        guard link.kind == "veth" else {
            Log.error("DEL: \(ifName) in \(request.netns) is a \(link.kind ?? "non-veth") link, not ours; left in place")
            return false
        }
        // Disconnected now, deleted by a detached process: DEL does not wait for the kernel.
        let alias = AttachmentAlias.make(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
        if try Tombstone.retire(link, in: container, netnsPath: request.netns, attachmentAlias: alias, network: config.networkName) {
            return true
        }
        try attempt("failed to delete \(ifName) in \(request.netns)") {
            do { try container.deleteLink(index: link.index) } catch where error.isNotFound {}
        }
        return true
    }
}
