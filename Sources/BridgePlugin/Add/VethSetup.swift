import CNISpec
import NetNS
import Netlink

/// The veth pair of one attachment: created inside the container with the peer placed
/// straight into the host namespace in one request, then the host end joined to the bridge.
struct VethSetup {
    let config: BridgeConfig
    let host: NetlinkSocket
    let container: NetlinkSocket
    let ifName: String
    /// Written on the host end (`AttachmentAlias`).
    let alias: String

    struct Created {
        var containerLink: Link
        var hostLink: Link
    }

    /// Creates the pair (the host end gets a fresh random name, retried on a clash) and
    /// registers its removal with `rollback`.
    ///
    /// The container is not searched for `ifName` beforehand: the creation fails with `EEXIST`
    /// when either name is taken, and only then is `ifName` looked up to tell which (one
    /// netlink round trip less on every ADD).
    func create(rollback: Rollback) throws(CNIError) -> Created {
        var lastError = "none"
        for _ in 0..<10 {
            let hostName = HostVethName.random()
            switch tryCreate(hostName: hostName) {
            case .nameTaken(let error):
                if try attempt("could not look up \(ifName) in the container", { try container.link(named: ifName) }) != nil {
                    throw CNIError(
                        .invalidEnvironment, "container veth name provided (\(ifName)) already exists",
                        details: "an interface named \(ifName) is already in the container's namespace")
                }
                lastError = error
            case .failed(let error):
                throw error
            case .created:
                return try lookUp(hostName: hostName, rollback: rollback)
            }
        }
        throw CNIError(
            .internalError, "could not find a free host name for the veth of \(ifName)",
            details: "10 attempts; last error: \(lastError)")
    }

    private enum Attempt {
        case created
        case nameTaken(String)
        case failed(CNIError)
    }

    /// One creation attempt; `EEXIST` means the random host name is taken.
    private func tryCreate(hostName: String) -> Attempt {
        let pair = VethPair(
            name: ifName, peerName: hostName, mtu: config.mtu > 0 ? UInt32(config.mtu) : nil, mac: config.mac,
            peerNamespace: HostNamespace.current)
        do {
            try container.createVethPair(pair)
            return .created
        } catch {
            if error.isAlreadyExists { return .nameTaken("\(error)") }
            return .failed(CNIError(.internalError, "could not create veth pair \(ifName) / \(hostName)", details: "\(error)"))
        }
    }

    private func lookUp(hostName: String, rollback: Rollback) throws(CNIError) -> Created {
        let containerLink = try existingLink(ifName, in: container)
        let socket = container
        let index = containerLink.index
        rollback.add("delete veth \(ifName)") { try socket.deleteLink(index: index) }
        let hostLink = try existingLink(hostName, in: host)
        return Created(containerLink: containerLink, hostLink: hostLink)
    }

    private func existingLink(_ name: String, in socket: NetlinkSocket) throws(CNIError) -> Link {
        let found: Link?
        do {
            found = try socket.link(named: name)
        } catch {
            throw CNIError(.internalError, "could not look up \(name)", details: "\(error)")
        }
        guard let found else { throw CNIError(.internalError, "veth end \(name) is missing right after its creation") }
        return found
    }

    /// Joins the host end to `bridge`, sets hairpin, isolation and VLANs, `accept_ra=0`, up.
    /// Alias, master and (when no port setting follows) up go in one request.
    func configureHostEnd(_ hostLink: Link, bridge: Link) throws(CNIError) {
        let name = hostLink.name
        let portSettings = config.hairpinMode || config.portIsolation || config.needsVLANFiltering
        if !portSettings { try? Sysctl.set("net/ipv6/conf/\(name)/accept_ra", "0") }
        try attempt("failed to connect \"\(name)\" to bridge \(bridge.name)") {
            try host.attach(index: hostLink.index, alias: alias, master: bridge.index, up: !portSettings)
        }
        guard portSettings else { return }
        if config.hairpinMode || config.portIsolation {
            try attempt("failed to set up hairpin mode / port isolation for \(name)") {
                try host.setBridgePort(
                    index: hostLink.index,
                    BridgePortSettings(
                        hairpin: config.hairpinMode ? true : nil, isolated: config.portIsolation ? true : nil))
            }
        }
        try PortVLANs.apply(config, port: hostLink.index, portName: name, host: host)
        try? Sysctl.set("net/ipv6/conf/\(name)/accept_ra", "0")
        try attempt("failed to set \(name) up") { try host.setUp(index: hostLink.index) }
    }
}

/// VLANs of a bridge port: access VLAN (PVID, untagged) or tagged trunk VLANs, optionally
/// without the default VLAN 1.
enum PortVLANs {
    static func apply(_ config: BridgeConfig, port: Int32, portName: String, host: NetlinkSocket) throws(CNIError) {
        let trunk = config.vlanTrunk ?? []
        if (config.vlan != 0 || !trunk.isEmpty) && !config.preserveDefaultVlan {
            let existing = try attempt("failed to list VLANs of \(portName)") { try host.bridgeVLANs()[port] ?? [] }
            for vlan in existing {
                try attempt("failed to remove default vlan on interface \"\(portName)\"") {
                    try host.deleteBridgeVLAN(index: port, id: vlan.id)
                }
            }
        }
        if config.vlan != 0 {
            try attempt("failed to setup vlan tag on interface \"\(portName)\"") {
                try host.addBridgeVLAN(index: port, BridgeVLAN(id: UInt16(config.vlan), pvid: true, untagged: true))
            }
        }
        for id in trunk {
            try attempt("failed to setup vlan tag \(id) on interface \"\(portName)\"") {
                try host.addBridgeVLAN(index: port, BridgeVLAN(id: UInt16(id)))
            }
        }
    }
}
