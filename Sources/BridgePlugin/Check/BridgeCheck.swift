import CNISpec
import NetNS
import Netlink
import PluginRuntime

#if canImport(Glibc)
import Glibc
#endif

/// CHECK: the attachment still looks as `prevResult` says — bridge, container veth, its
/// host peer enslaved to the bridge and up, every address and every route.
struct BridgeCheck {
    let request: CNIRequest
    let ipam: BridgeIPAM
    let config: BridgeConfig

    func run() throws(CNIError) {
        if config.isLayer3 { try ipam.check(request) }
        guard let prev = try request.config.prevResult() else {
            throw CNIError(.invalidNetworkConfig, "Required prevResult missing", details: "CHECK needs the ADD result as prevResult")
        }
        let host = try attempt("could not open a netlink socket in the host namespace") { try NetlinkSocket() }
        let bridge = try checkBridge(prev, host: host)

        guard let containerIndex = prev.interfaces.firstIndex(where: { $0.name == request.ifName && $0.sandbox != nil }) else {
            throw drift("prevResult has no interface \(request.ifName) with a sandbox")
        }
        let expected = prev.interfaces[containerIndex]
        guard expected.sandbox == request.netns else {
            throw drift("Sandbox in prevResult \(expected.sandbox ?? "") doesn't match configured netns: \(request.netns)")
        }
        let container: NetlinkSocket
        do {
            container = try NetlinkSocket.open(in: NetworkNamespace(path: request.netns))
        } catch {
            throw CNIError(.unknownContainer, "failed to open netns \"\(request.netns)\"", details: "\(error)")
        }
        let ifName = request.ifName
        guard let link = try attempt("could not look up \(ifName)", { try container.link(named: ifName) }) else {
            throw CNIError(.unknownContainer, "CNI created interface in container \(ifName) not found", details: "netns \(request.netns)")
        }
        guard link.kind == "veth" else {
            throw drift("Error: Container interface \(ifName) not of type veth (it is \(link.kind ?? "unknown"))")
        }
        if let mac = expected.mac, mac != link.mac?.description {
            throw drift("Interface \(ifName) Mac \(mac) doesn't match container Mac: \(link.mac?.description ?? "none")")
        }
        if !config.disableContainerInterface && !link.isUp {
            throw drift("container interface \(ifName) is down")
        }
        try checkPeer(of: link, bridge: bridge, prev: prev, host: host)
        try checkAddresses(prev, containerIndex: containerIndex, link: link, container: container)
        try checkRoutes(prev, link: link, container: container)
    }

    private func drift(_ message: String) -> CNIError {
        CNIError(.internalError, message, details: "attachment \(request.containerID)/\(request.ifName) of network \(config.networkName)")
    }

    private func checkBridge(_ prev: CNIResult, host: NetlinkSocket) throws(CNIError) -> Link {
        let name = config.bridgeName
        guard let entry = prev.interfaces.first(where: { $0.name == name && $0.sandbox == nil }) else {
            throw drift("prevResult does not list bridge \(name)")
        }
        guard let bridge = try attempt("could not look up \(name)", { try host.link(named: name) }) else {
            throw drift("CNI created bridge \(name) in host namespace was not found")
        }
        guard bridge.kind == "bridge" else { throw drift("Interface \(name) does not have link type of bridge") }
        if let mac = entry.mac, mac != bridge.mac?.description {
            throw drift("Bridge interface \(name) Mac doesn't match: \(mac) (now \(bridge.mac?.description ?? "none"))")
        }
        if bridge.isPromiscuous != config.promiscMode {
            throw drift(
                "Bridge interface \(name) configured Promisc Mode \(config.promiscMode) doesn't match current state: \(bridge.isPromiscuous)")
        }
        return bridge
    }

    /// The host end is the container veth's peer, listed in prevResult, up, on the bridge.
    private func checkPeer(of link: Link, bridge: Link, prev: CNIResult, host: NetlinkSocket) throws(CNIError) {
        guard let peerIndex = link.linkIndex,
            let peer = try attempt("could not look up the veth peer", { try host.link(index: peerIndex) }),
            peer.kind == "veth", peer.linkIndex == link.index
        else {
            throw drift("CNI veth created for bridge \(config.bridgeName) was not found (peer of \(request.ifName) is not in the host)")
        }
        guard let entry = prev.interfaces.first(where: { $0.name == peer.name && $0.sandbox == nil }) else {
            throw drift("host veth \(peer.name) (peer of \(request.ifName)) is not listed in prevResult")
        }
        if let mac = entry.mac, mac != peer.mac?.description {
            throw drift("Interface \(peer.name) Mac doesn't match: \(mac) not found")
        }
        guard peer.masterIndex == bridge.index else {
            throw drift("host veth \(peer.name) is no longer a port of bridge \(bridge.name)")
        }
        guard peer.isUp else { throw drift("host veth \(peer.name) is down") }
    }

    private func checkAddresses(_ prev: CNIResult, containerIndex: Int, link: Link, container: NetlinkSocket) throws(CNIError) {
        let present = try attempt("could not list addresses of \(request.ifName)") {
            try container.addresses(index: link.index).map { $0.prefix.ipPrefix }
        }
        for ipc in prev.ips where ipc.interface == nil || ipc.interface == containerIndex {
            guard let expected = IPPrefix(ipc.address) else { throw drift("prevResult has an invalid address \(ipc.address)") }
            guard present.contains(expected) else {
                throw drift("address \(ipc.address) from prevResult is missing on \(request.ifName)")
            }
        }
    }

    private func checkRoutes(_ prev: CNIResult, link: Link, container: NetlinkSocket) throws(CNIError) {
        let gateways = ContainerSetup.familyGateways(prev.ips)
        for route in prev.routes {
            let wanted = try ContainerSetup.netlinkRoute(route, outputIndex: link.index, gateways: gateways)
            let family = wanted.destination.address.isIPv4 ? AF_INET : AF_INET6
            let routes = try attempt("could not list routes of the container") {
                try container.routes(family: family, table: wanted.table)
            }
            let found = routes.contains { r in
                r.destination == wanted.destination && r.outputIndex == link.index
                    && (wanted.gateway == nil || r.gateway == wanted.gateway)
            }
            guard found else {
                throw drift(
                    "route \(route.dst) via \(wanted.gateway.map { "\($0)" } ?? "(link)") from prevResult is missing in the container")
            }
        }
    }
}
