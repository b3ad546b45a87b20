import AttachmentNaming
import CNISpec
import NetNS
import Netlink
import SystemSupport
import PluginRuntime

/// DEL: disconnects the container's veth and has it deleted in the background (`Tombstone`;
/// the host end goes with it), deletes the container's conntrack entries (`ConntrackFlush`),
/// releases the IPAM reservation and removes the attachment's nftables rules. After DEL
/// returns the pod is disconnected, `CNI_IFNAME` is free and the address released; the kernel
/// object disappears asynchronously. Every step tolerates what is already gone: an empty
/// `CNI_NETNS`, a vanished namespace, a missing interface.
struct BridgeDel {
    let request: CNIRequest
    let ipam: BridgeIPAM
    let config: BridgeConfig

    func run() throws(CNIError) {
        // Deleting nftables rules and deleting a veth each wait for an RCU grace period in
        // the kernel: the rules go on a second thread while the veth goes here.
        let firewall = AttachmentFirewall(request: request, config: config)
        let rules = BackgroundStep<Void, CNIError> { () -> Result<Void, CNIError> in
            do throws(CNIError) {
                return .success(try firewall.remove())
            } catch {
                return .failure(error)
            }
        }
        var failure: CNIError? = nil
        do {
            // The container's addresses, known only while this DEL finds its interface: a
            // repeated DEL (the address perhaps another container's by then) forgets nothing.
            var addresses = request.netns.isEmpty ? nil : try deleteContainerLink()
            if addresses == nil, try deleteHostEndByAlias() { addresses = [] }
            if var addresses {
                addresses.formUnion(ConntrackFlush.containerAddresses(in: try? request.config.prevResult()))
                ConntrackFlush.forget(addresses)
            }
        } catch {
            failure = error
        }
        if case .failure(let error) = rules.join(), failure == nil { failure = error }
        if let failure { throw failure }
        // The address is released once the interface that carried it is gone.
        if config.isLayer3 {
            try ipam.del(request)
        }
    }

    /// When the container side could not be reached (no or a vanished namespace, interface
    /// missing), the host end is found by its alias and deleted (which removes the pair): a
    /// namespace whose path is gone may live on (held by a process) or be torn down later.
    /// True when the attachment's own host end was there.
    private func deleteHostEndByAlias() throws(CNIError) -> Bool {
        let alias = AttachmentAlias.make(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
        let host = try attempt("could not open a netlink socket in the host namespace") { try NetlinkSocket() }
        let links = try attempt("could not list the host's links") { try host.linkAliases() }
        // Also any retired pair of this network whose background deletion never ran.
        let tombstone = AttachmentAlias.tombstone(network: config.networkName)
        var found = false
        for link in links where (link.alias == alias || link.alias == tombstone) && link.kind == "veth" {
            found = found || link.alias == alias
            try attempt("failed to delete host veth \(link.name) of \(request.containerID)/\(request.ifName)") {
                do { try host.deleteLink(index: link.index) } catch where error.isNotFound {}
            }
        }
        return found
    }

    /// Deletes the container's veth and returns the addresses it had (global scope); nil when
    /// there was none to delete.
    private func deleteContainerLink() throws(CNIError) -> Set<InetAddress>? {
        let namespace = NetworkNamespace(path: request.netns)
        let container: NetlinkSocket
        do {
            container = try NetlinkSocket.open(in: namespace)
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return nil  // the namespace is gone (its veth goes with it, perhaps later)
        } catch {
            throw CNIError(.internalError, "failed to open netns \"\(request.netns)\"", details: "\(error)")
        }
        let ifName = request.ifName
        guard let link = try attempt("could not look up \(ifName) in \(request.netns)", { try container.link(named: ifName) }) else {
            return nil
        }
        guard link.kind == "veth" else {
            logger("DEL: \(ifName) in \(request.netns) is a \(link.kind ?? "non-veth") link, not ours; left in place")
            return nil
        }
        // Read before the link goes; failing to read them costs only the conntrack cleanup.
        let addresses = Set(((try? container.addresses(index: link.index)) ?? []).filter { $0.scope == 0 }.map(\.prefix.address))
        // Disconnected now, deleted by a detached process: DEL does not wait for the kernel.
        let alias = AttachmentAlias.make(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
        if try Tombstone.retire(link, in: container, netnsPath: request.netns, attachmentAlias: alias, network: config.networkName) {
            return addresses
        }
        try attempt("failed to delete \(ifName) in \(request.netns)") {
            do { try container.deleteLink(index: link.index) } catch where error.isNotFound {}
        }
        return addresses
    }
}
