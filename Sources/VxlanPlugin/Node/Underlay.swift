import CNISpec
import Netlink

/// The underlay this node's VTEP sends from: device, source address, MTU, and the subnets
/// on the device (for the direct-routing "same L2" test).
struct Underlay: Sendable {
    var index: Int32
    var name: String
    var local: InetAddress
    var mtu: UInt32
    var subnets: [InetPrefix]

    /// `localIP` names the address (and so the device); else `underlayInterface` names the
    /// device and the source is this node's underlay IP if the device holds it, or else the
    /// device's first global address; else the device holding this node's underlay IP.
    static func detect(_ config: VxlanConfig, selfNode: ClusterNode, socket: NetlinkSocket) throws(CNIError) -> Underlay {
        let addresses = try attempt("list addresses to find the underlay") { try socket.addresses() }
        let global = addresses.filter { $0.scope == 0 }
        var index: Int32
        var local: InetAddress
        if let name = config.underlayInterface {
            guard let link = try attempt("look up underlayInterface \(name)", { try socket.link(named: name) }) else {
                throw CNIError(.invalidNetworkConfig, "underlayInterface \"\(name)\" does not exist")
            }
            index = link.index
            let onDevice = global.filter { $0.index == index }.map(\.prefix.address)
            let wanted = config.localIP ?? selfNode.underlayIP
            if onDevice.contains(wanted) {
                local = wanted
            } else if config.localIP == nil, let first = onDevice.first(where: { $0.isIPv4 == wanted.isIPv4 }) ?? onDevice.first {
                local = first
            } else {
                throw CNIError(.invalidNetworkConfig, "underlayInterface \"\(name)\" has no address \(wanted)")
            }
        } else {
            let wanted = config.localIP ?? selfNode.underlayIP
            guard let address = global.first(where: { $0.prefix.address == wanted }) else {
                throw CNIError(
                    .invalidNetworkConfig, "underlay address \(wanted) of node \"\(selfNode.name)\" is not on any interface",
                    details: config.localIP == nil ? "set localIP or underlayInterface" : "localIP")
            }
            index = address.index
            local = wanted
        }
        guard let link = try attempt("look up the underlay link", { try socket.link(index: index) }) else {
            throw CNIError(.tryAgainLater, "underlay interface \(index) disappeared")
        }
        let subnets = global.filter { $0.index == index }.map(\.prefix)
        return Underlay(index: index, name: link.name, local: local, mtu: link.mtu, subnets: subnets)
    }
}
