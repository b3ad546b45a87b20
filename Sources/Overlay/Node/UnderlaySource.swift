import CNISpec
import Netlink

/// The rule that picks the VTEP's underlay device and source address, shared by the plugin
/// (which programs it) and `cnictl doctor` (which checks what the plugin would program).
public enum UnderlaySource {
    /// `localIP` names the address (and so the device); else `underlayInterface` names the
    /// device and the source is this node's underlay IP if the device holds it, or else the
    /// device's first global address; else the device holding this node's underlay IP.
    /// `deviceIndex` is the index of `underlayInterface`, nil when no such link exists.
    public static func choose(
        _ config: VxlanConfig, selfNode: ClusterNode, globalAddresses global: [InterfaceAddress], deviceIndex: Int32?
    ) throws(CNIError) -> (index: Int32, local: InetAddress) {
        let wanted = config.localIP ?? selfNode.underlayIP
        if let name = config.underlayInterface {
            guard let index = deviceIndex else {
                throw CNIError(.invalidNetworkConfig, "underlayInterface \"\(name)\" does not exist")
            }
            let onDevice = global.filter { $0.index == index }.map(\.prefix.address)
            if onDevice.contains(wanted) { return (index, wanted) }
            if config.localIP == nil, let first = onDevice.first(where: { $0.isIPv4 == wanted.isIPv4 }) ?? onDevice.first {
                return (index, first)
            }
            throw CNIError(.invalidNetworkConfig, "underlayInterface \"\(name)\" has no address \(wanted)")
        }
        guard let address = global.first(where: { $0.prefix.address == wanted }) else {
            throw CNIError(
                .invalidNetworkConfig, "underlay address \(wanted) of node \"\(selfNode.name)\" is not on any interface",
                details: config.localIP == nil ? "set localIP or underlayInterface" : "localIP")
        }
        return (address.index, wanted)
    }
}
