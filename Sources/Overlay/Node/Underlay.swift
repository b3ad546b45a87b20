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

    /// Reads addresses and links and applies `UnderlaySource.choose`.
    static func detect(_ config: VxlanConfig, selfNode: ClusterNode, socket: NetlinkSocket) throws(CNIError) -> Underlay {
        let addresses = try attempt("list addresses to find the underlay") { try socket.addresses() }
        let global = addresses.filter { $0.scope == 0 }
        var deviceIndex: Int32?
        if let name = config.underlayInterface {
            deviceIndex = try attempt("look up underlayInterface \(name)", { try socket.link(named: name) })?.index
        }
        let (index, local) = try UnderlaySource.choose(config, selfNode: selfNode, globalAddresses: global, deviceIndex: deviceIndex)
        guard let link = try attempt("look up the underlay link", { try socket.link(index: index) }) else {
            throw CNIError(.tryAgainLater, "underlay interface \(index) disappeared")
        }
        let subnets = global.filter { $0.index == index }.map(\.prefix)
        return Underlay(index: index, name: link.name, local: local, mtu: link.mtu, subnets: subnets)
    }
}
