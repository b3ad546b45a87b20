import CNISpec
import Netlink

/// With `vlan` and `isGateway`, the gateway addresses live on a veth named `<bridge>.<vlan>`
/// in the host, whose peer is an access port of that VLAN on the bridge (as the reference).
enum VLANGateway {
    static func ensure(_ config: BridgeConfig, bridge: Link, host: NetlinkSocket) throws(CNIError) -> Link {
        let name = "\(bridge.name).\(config.vlan)"
        if let problem = InterfaceNameRule.problem(name) {
            throw CNIError(
                .invalidNetworkConfig, "cannot create the VLAN gateway interface \"\(name)\"",
                details: "the name \(problem); use a shorter bridge name")
        }
        if let existing = try attempt("failed to find interface \"\(name)\"", { try host.link(named: name) }) {
            return existing
        }
        let peerName = HostVethName.random()
        try attempt("failed to create vlan gateway \"\(name)\"") {
            do {
                try host.createVethPair(VethPair(name: name, peerName: peerName, mtu: bridge.mtu > 0 ? bridge.mtu : nil))
            } catch where error.isAlreadyExists {}
        }
        guard let gateway = try attempt("failed to lookup \"\(name)\"", { try host.link(named: name) }),
            let peer = try attempt("failed to lookup \"\(peerName)\"", { try host.link(named: peerName) })
        else {
            throw CNIError(.internalError, "vlan gateway \"\(name)\" vanished after its creation")
        }
        try attempt("failed to connect \"\(peerName)\" to bridge \(bridge.name)") {
            try host.setMaster(index: peer.index, bridge.index)
        }
        var portConfig = config
        portConfig.vlanTrunk = nil
        try PortVLANs.apply(portConfig, port: peer.index, portName: peerName, host: host)
        try attempt("failed to up \"\(peerName)\"") { try host.setUp(index: peer.index) }
        try attempt("failed to up \"\(name)\"") { try host.setUp(index: gateway.index) }
        return try BridgeSetup.refreshed(gateway, host: host)
    }
}
