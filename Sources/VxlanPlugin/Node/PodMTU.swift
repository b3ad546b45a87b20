import CNISpec
import NetNS
import Netlink

/// Applies the overlay MTU to the attachment the previous plugin (bridge) created: the
/// container interface (inside its netns), the host-side interfaces listed in `prevResult`
/// (host veth, bridge). Only lowers: an interface already at or below the overlay MTU is
/// left alone (an operator may choose a smaller MTU). Returns the result with each
/// interface's `mtu` set to what it now has.
struct PodMTU {
    let overlayMTU: UInt32
    let request: CNIRequest

    func apply(to result: CNIResult) throws(CNIError) -> CNIResult {
        var result = result
        let host = try attempt("open a netlink socket") { try NetlinkSocket() }
        for i in result.interfaces.indices {
            let interface = result.interfaces[i]
            guard interface.socketPath == nil, interface.pciID == nil else { continue }
            let mtu: UInt32?
            if let sandbox = interface.sandbox {
                guard sandbox == request.netns, !request.netns.isEmpty else { continue }
                let namespace = NetworkNamespace(path: sandbox)
                mtu = try attempt("set MTU of \(interface.name) in \(sandbox)", code: .internalError) {
                    try namespace.run { try Self.lower(interface.name, to: overlayMTU, socket: try NetlinkSocket()) }
                }
            } else {
                mtu = try attempt("set MTU of host interface \(interface.name)") {
                    try Self.lower(interface.name, to: overlayMTU, socket: host)
                }
            }
            if let mtu { result.interfaces[i].mtu = Int(mtu) }
        }
        return result
    }

    /// The link's MTU after lowering it to at most `mtu`; nil when the link does not exist.
    static func lower(_ name: String, to mtu: UInt32, socket: NetlinkSocket) throws -> UInt32? {
        guard let link = try socket.link(named: name) else { return nil }
        if link.mtu > mtu {
            try socket.setMTU(index: link.index, mtu)
            return mtu
        }
        return link.mtu
    }

    /// Interfaces of the attachment whose MTU is above the overlay MTU (for CHECK).
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
            if let link, link.mtu > overlayMTU {
                found.append("\(interface.name) has MTU \(link.mtu), above the overlay MTU \(overlayMTU)")
            }
        }
        return found
    }
}
