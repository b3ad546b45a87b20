import CNISpec
import Netlink

extension PodAttachment {
    /// The attachment the previous plugin (bridge) made, read from its result: the
    /// container interface in `netns` (its MAC and addresses) and the host interface that
    /// is a veth (its index; its bridge's MAC is the gateway MAC). Nil when the result has
    /// no such pair (another kind of attachment: the data path leaves it to the kernel).
    /// `links` are the node's links (one dump; no lookup per interface).
    public static func from(_ result: CNIResult, netns: String, links: [Link]) -> PodAttachment? {
        guard !netns.isEmpty,
            let container = result.interfaces.indices.first(where: { result.interfaces[$0].sandbox == netns }),
            let macText = result.interfaces[container].mac, let mac = MACAddress(macText)
        else { return nil }
        let hostNames = result.interfaces.filter { $0.sandbox == nil && $0.socketPath == nil }.map(\.name)
        guard let hostVeth = hostNames.lazy.compactMap({ name in links.first { $0.name == name && $0.kind == "veth" } }).first
        else { return nil }
        var gatewayMAC = hostVeth.mac ?? mac
        if let master = hostVeth.masterIndex, let bridgeMAC = links.first(where: { $0.index == master })?.mac {
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
