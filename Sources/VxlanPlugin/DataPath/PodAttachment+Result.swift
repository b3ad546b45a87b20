import CNISpec
import Netlink

extension PodAttachment {
    /// The attachment the previous plugin (bridge) made, read from its result: the
    /// container interface in `netns` (its MAC and addresses) and the host interface that
    /// is a veth (its index; its bridge's MAC is the gateway MAC). Nil when the result has
    /// no such pair (another kind of attachment: the data path leaves it to the kernel).
    static func from(_ result: CNIResult, netns: String, socket: NetlinkSocket) throws -> PodAttachment? {
        guard !netns.isEmpty,
            let container = result.interfaces.indices.first(where: { result.interfaces[$0].sandbox == netns }),
            let macText = result.interfaces[container].mac, let mac = MACAddress(macText)
        else { return nil }
        var hostVeth: Link?
        for interface in result.interfaces where interface.sandbox == nil && interface.socketPath == nil {
            if let link = try socket.link(named: interface.name), link.kind == "veth" {
                hostVeth = link
                break
            }
        }
        guard let hostVeth else { return nil }
        var gatewayMAC = hostVeth.mac ?? mac
        if let master = hostVeth.masterIndex, let bridge = try socket.link(index: master), let bridgeMAC = bridge.mac {
            gatewayMAC = bridgeMAC
        }
        let containerCount = result.interfaces.filter { $0.sandbox != nil }.count
        var addresses: [InetAddress] = []
        for ip in result.ips {
            let onContainer = ip.interface == container || (ip.interface == nil && containerCount == 1)
            if onContainer, let prefix = InetPrefix(ip.address), !addresses.contains(prefix.address) {
                addresses.append(prefix.address)
            }
        }
        guard !addresses.isEmpty else { return nil }
        return PodAttachment(hostInterfaceIndex: hostVeth.index, mac: mac, gatewayMAC: gatewayMAC, addresses: addresses)
    }
}
