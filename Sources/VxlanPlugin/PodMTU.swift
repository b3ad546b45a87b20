import CNISpec
import NetNS
import Netlink
import PluginRuntime

/// Applies the overlay MTU to the attachment the previous plugin (bridge) created: the
/// container interface (inside its netns), then the host-side interfaces listed in
/// `prevResult` in their order (host veth, bridge; the bridge is set last so its ports are
/// already at the new MTU). Every interface gets exactly the overlay MTU (the configured
/// `mtu`, or underlay − 50/70): lower would waste the path, higher would drop or fragment
/// packets crossing nodes. Returns the result with each interface's `mtu`.
struct PodMTU {
    let overlayMTU: UInt32
    let request: CNIRequest

    func apply(to result: CNIResult) throws(CNIError) -> CNIResult {
        try apply(to: result, readingForwarding: false).result
    }

    /// As `apply(to:)`; with `readingForwarding`, also whether IP forwarding is on in the
    /// container's namespace, read while the MTU change is in there (one namespace entry).
    func apply(to result: CNIResult, readingForwarding: Bool) throws(CNIError) -> (result: CNIResult, podForwards: Bool) {
        var result = result
        var podForwards = false
        let host = try attempt("open a netlink socket") { try NetlinkSocket() }
        // Container interface first, then host interfaces, bridge (listed first by bridge) last.
        let order = result.interfaces.indices.filter { result.interfaces[$0].sandbox != nil }
            + result.interfaces.indices.filter { result.interfaces[$0].sandbox == nil }.reversed()
        for i in order {
            let interface = result.interfaces[i]
            guard interface.socketPath == nil, interface.pciID == nil else { continue }
            let mtu: UInt32?
            if let sandbox = interface.sandbox {
                guard sandbox == request.netns, !request.netns.isEmpty else { continue }
                let namespace = NetworkNamespace(path: sandbox)
                let (set, forwards) = try attempt("set MTU of \(interface.name) in \(sandbox)", code: .internalError) {
                    try namespace.run {
                        (try Self.set(interface.name, to: overlayMTU, socket: try NetlinkSocket()),
                         readingForwarding && Self.forwardingIsOn())
                    }
                }
                mtu = set
                podForwards = podForwards || forwards
            } else {
                mtu = try attempt("set MTU of host interface \(interface.name)") {
                    try Self.set(interface.name, to: overlayMTU, socket: host)
                }
            }
            if let mtu { result.interfaces[i].mtu = Int(mtu) }
        }
        return (result, podForwards)
    }

    /// IPv4 or IPv6 forwarding is on in the current namespace.
    static func forwardingIsOn() -> Bool {
        (try? Sysctl.get("net/ipv4/ip_forward")) == "1" || (try? Sysctl.get("net/ipv6/conf/all/forwarding")) == "1"
    }

    /// Sets the link's MTU to `mtu`; returns it, or nil when the link does not exist.
    static func set(_ name: String, to mtu: UInt32, socket: NetlinkSocket) throws -> UInt32? {
        guard let link = try socket.link(named: name) else { return nil }
        if link.mtu != mtu { try socket.setMTU(index: link.index, mtu) }
        return mtu
    }

    /// Interfaces of the attachment whose MTU differs from the overlay MTU (for CHECK).
    func violations(in result: CNIResult) throws(CNIError) -> [String] {
        var found: [String] = []
        let host = try attempt("open a netlink socket") { try NetlinkSocket() }
        for interface in result.interfaces where interface.socketPath == nil && interface.pciID == nil {
            let link: Link?
            if let sandbox = interface.sandbox {
                guard sandbox == request.netns, !request.netns.isEmpty else { continue }
                link = try attempt("look up \(interface.name) in \(sandbox)", code: .unknownContainer) {
                    try NetworkNamespace(path: sandbox).run { try NetlinkSocket().link(named: interface.name) }
                }
            } else {
                link = try attempt("look up host interface \(interface.name)") { try host.link(named: interface.name) }
            }
            if let link, link.mtu != overlayMTU {
                found.append("\(interface.name) has MTU \(link.mtu), not the overlay MTU \(overlayMTU)")
            }
        }
        return found
    }
}
