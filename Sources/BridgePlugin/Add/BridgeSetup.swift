import CNISpec
import Netlink

/// Ensures the bridge exists, is a bridge, and has the options the configuration asks for.
enum BridgeSetup {
    /// Creates the bridge if absent (tolerating a concurrent creation), then applies VLAN
    /// filtering, promiscuous mode, `accept_ra=0` and brings it up. Returns the link as it is
    /// now (read again only when something was changed).
    static func ensure(_ config: BridgeConfig, host: NetlinkSocket) throws(CNIError) -> Link {
        let name = config.bridgeName
        var link = try attempt("could not look up bridge \"\(name)\"") { try host.link(named: name) }
        var changed = false  // the link read above is stale only when something was changed
        if link == nil {
            changed = true
            try attempt("could not create bridge \"\(name)\"") {
                do {
                    try host.createBridge(
                        name: name, mtu: config.mtu > 0 ? UInt32(config.mtu) : nil,
                        settings: BridgeSettings(vlanFiltering: config.needsVLANFiltering ? true : nil))
                } catch where error.isAlreadyExists {
                    // Another ADD created it (or a non-bridge appeared) in the meantime: checked below.
                } catch where config.needsVLANFiltering && error.isNotSupported {
                    throw vlanFilteringUnsupported(name, error)
                }
            }
            link = try attempt("could not look up bridge \"\(name)\"") { try host.link(named: name) }
        }
        guard var bridge = link else {
            throw CNIError(.internalError, "bridge \"\(name)\" disappeared while it was being set up")
        }
        guard bridge.kind == "bridge" else {
            throw CNIError(
                .invalidNetworkConfig, "\"\(name)\" already exists but is not a bridge",
                details: "link kind is \(bridge.kind ?? "none (a physical device or loopback)"); choose another \"bridge\" name")
        }
        if config.needsVLANFiltering && bridge.bridge?.vlanFiltering != true {
            changed = true
            try attempt("could not turn on VLAN filtering on bridge \"\(name)\"") {
                do {
                    try host.setBridgeSettings(index: bridge.index, BridgeSettings(vlanFiltering: true))
                } catch where error.isNotSupported {
                    throw vlanFilteringUnsupported(name, error)
                }
            }
        }
        if config.promiscMode && !bridge.isPromiscuous {
            changed = true
            try attempt("could not set promiscuous mode on \"\(name)\"") { try host.setPromiscuous(index: bridge.index, true) }
        }
        // We own the routes of this interface. Fails harmlessly when IPv6 is off. The link
        // read above carries the current value (IFLA_INET6_CONF): an existing bridge that
        // already has 0 is not written again.
        if bridge.ipv6AcceptRA != 0 { try? Sysctl.set("net/ipv6/conf/\(name)/accept_ra", "0") }
        if !bridge.isUp {
            changed = true
            try attempt("could not set bridge \"\(name)\" up") { try host.setUp(index: bridge.index) }
        }
        if changed { bridge = try refreshed(bridge, host: host) }
        return bridge
    }

    /// `vlan` / `vlanTrunk` on a kernel built without `CONFIG_BRIDGE_VLAN_FILTERING`.
    static func vlanFilteringUnsupported(_ name: String, _ error: any Error) -> CNIError {
        CNIError(
            .internalError, "this kernel does not support VLAN filtering on bridges",
            details: "\"vlan\" and \"vlanTrunk\" need CONFIG_BRIDGE_VLAN_FILTERING; bridge \(name): \(error)")
    }

    static func refreshed(_ link: Link, host: NetlinkSocket) throws(CNIError) -> Link {
        guard let fresh = try attempt("could not look up \"\(link.name)\"", { try host.link(index: link.index) }) else {
            throw CNIError(.internalError, "\"\(link.name)\" disappeared while it was being set up")
        }
        return fresh
    }
}
