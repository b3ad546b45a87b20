import NFTables
import Netlink
import NodeDoctor
import Overlay

func ip(_ text: String) -> InetAddress { InetAddress(text)! }
func prefix(_ text: String) -> InetPrefix { InetPrefix(text)! }

/// A healthy two-node vxlan node as the plugins leave it: bridge cni0 (gateway 10.244.1.1)
/// with two pods, VTEP vxlan.1 on eth0 (192.168.50.11), peer node2 (192.168.50.12,
/// 10.244.2.0/24) programmed, forwarding on, rp_filter off, no foreign firewall.
enum Fixture {
    static let network = "net"
    static let node1 = ClusterNode(name: "node1", underlayIP: ip("192.168.50.11"), podCIDRs: [prefix("10.244.1.0/24")])
    static let node2 = ClusterNode(name: "node2", underlayIP: ip("192.168.50.12"), podCIDRs: [prefix("10.244.2.0/24")])
    static let peerMAC = node2.mac(vni: 1)
    static let eth0: Int32 = 2, cni0: Int32 = 3, vtep: Int32 = 4, vethA: Int32 = 5, vethB: Int32 = 6

    static let podA = PodAttachment(
        containerID: "ctr-a", ifName: "eth0", netns: "/run/netns/a", podName: "default/a", addresses: [ip("10.244.1.2")],
        hostVeth: "veth0000000a", podInterfaceMTU: 1450)
    static let podB = PodAttachment(
        containerID: "ctr-b", ifName: "eth0", netns: "/run/netns/b", addresses: [ip("10.244.1.3")], hostVeth: "veth0000000b",
        podInterfaceMTU: 1450)

    static var plan: PeerPlan {
        PeerPlan(vni: 1, nodes: [node1, node2], selfNode: node1, local: node1.underlayIP,
                 underlaySubnets: [prefix("192.168.50.11/24")], directRouting: false)
    }

    static var healthy: NodeSnapshot {
        NodeSnapshot(
            network: network, bridge: BridgeIntent(name: "cni0", isGateway: true), routesPodTraffic: true,
            sysctls: [
                "net/ipv4/ip_forward": "1", "net/ipv6/conf/all/forwarding": "0", "net/ipv4/conf/all/rp_filter": "0",
                "net/ipv4/conf/cni0/rp_filter": "0", "net/ipv4/conf/vxlan.1/rp_filter": "0",
            ],
            links: [
                LinkState(index: 1, name: "lo", kind: nil, mtu: 65536),
                LinkState(index: eth0, name: "eth0", kind: "veth", mtu: 1500),
                LinkState(index: cni0, name: "cni0", kind: "bridge", mtu: 1450),
                LinkState(index: vtep, name: "vxlan.1", kind: "vxlan", mtu: 1450,
                          vxlan: VxlanSettings(vni: 1, port: 4789, local: node1.underlayIP, underlayIndex: eth0, learning: false)),
                LinkState(index: vethA, name: "veth0000000a", kind: "veth", masterIndex: cni0, mtu: 1450, alias: "swcni:net/ctr-a/eth0"),
                LinkState(index: vethB, name: "veth0000000b", kind: "veth", masterIndex: cni0, mtu: 1450, alias: "swcni:net/ctr-b/eth0"),
            ],
            routes: [
                RouteState(destination: prefix("192.168.50.0/24"), outputIndex: eth0),
                RouteState(destination: prefix("10.244.1.0/24"), outputIndex: cni0),
                RouteState(destination: prefix("10.244.2.0/24"), gateway: ip("10.244.2.0"), outputIndex: vtep),
            ],
            pods: [podA, podB],
            reservations: ReservationSnapshot(directory: "/var/lib/cni/networks/net", entries: [
                Reservation(address: ip("10.244.1.2"), containerID: "ctr-a", ifName: "eth0"),
                Reservation(address: ip("10.244.1.3"), containerID: "ctr-b", ifName: "eth0"),
            ]),
            foreignForwardChains: [],
            overlay: OverlaySnapshot(
                device: "vxlan.1", vni: 1, port: 4789, learning: false, selfNode: node1, nodes: [node1, node2],
                underlay: UnderlayState(name: "eth0", index: eth0, mtu: 1500, local: node1.underlayIP), plan: plan,
                fdb: [FDBState(mac: peerMAC, destination: node2.underlayIP)],
                neighbours: [NeighbourState(address: ip("10.244.2.0"), mac: peerMAC)]))
    }

    static func checks(_ s: NodeSnapshot) -> [String] { Doctor.examine(s).map(\.check) }
}

extension NodeSnapshot {
    mutating func updateLink(_ name: String, _ change: (inout LinkState) -> Void) {
        guard let i = links.firstIndex(where: { $0.name == name }) else { return }
        change(&links[i])
    }
}
