import Netlink

/// The byte layout of the eBPF data path's map keys and values (the structs in
/// bpf/vxlan_datapath.bpf.c). Integers are in host byte order unless the C field is
/// `__be*` (Netlink's ByteCoding and ByteReader, as for netlink payloads). Pure, unit-tested.
enum DataPathLayout {
    /// `struct pod_key`: the pod's address as 16 bytes (IPv4 mapped into IPv6).
    static func podKey(_ address: InetAddress) -> [UInt8] {
        address.isIPv4 ? [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + address.bytes : address.bytes
    }

    /// The address a pod key stands for (IPv4-mapped keys give the IPv4 address).
    static func address(podKey key: [UInt8]) -> InetAddress {
        if key.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { return InetAddress(bytes: Array(key.suffix(4)))! }
        return InetAddress(bytes: key)!
    }

    /// `struct peer_key`: prefix length (IPv4: + 96) and the 16-byte network address.
    static func peerKey(_ prefix: InetPrefix) -> [UInt8] {
        let length = UInt32(prefix.length) + (prefix.address.isIPv4 ? 96 : 0)
        return ByteCoding.bytes(length) + podKey(prefix.network)
    }

    static let podKeySize = 16
    static let peerKeySize = 20

    /// `struct pod_entry` (20 bytes).
    struct PodEntry: Equatable, Sendable {
        /// Every packet from or to the pod takes the kernel path (nftables sees it).
        static let slowPath: UInt32 = 1
        /// The pod has IP forwarding on: a GSO packet for it is decapsulated by the kernel
        /// VTEP on kernels where BPF cannot reset the tunnel offload state.
        static let forwards: UInt32 = 2
        /// Traffic to the pod is rate-limited on its host veth (bandwidth `ingressRate`):
        /// packets to it take the kernel path through that veth's qdisc, not `redirect_peer`.
        static let shaped: UInt32 = 4

        var hostInterfaceIndex: Int32
        var flags: UInt32
        var mac: MACAddress
        var gatewayMAC: MACAddress

        var bytes: [UInt8] {
            ByteCoding.bytes(hostInterfaceIndex) + ByteCoding.bytes(flags) + mac.bytes + gatewayMAC.bytes
        }

        init(hostInterfaceIndex: Int32, flags: UInt32, mac: MACAddress, gatewayMAC: MACAddress) {
            self.hostInterfaceIndex = hostInterfaceIndex
            self.flags = flags
            self.mac = mac
            self.gatewayMAC = gatewayMAC
        }

        init?(bytes: [UInt8]) {
            let reader = ByteReader(bytes)
            guard bytes.count == Self.size, let index = reader.i32(at: 0), let flags = reader.u32(at: 4) else { return nil }
            hostInterfaceIndex = index
            self.flags = flags
            mac = MACAddress(bytes: Array(bytes[8..<14]))
            gatewayMAC = MACAddress(bytes: Array(bytes[14..<20]))
        }

        static let size = 20
    }

    /// `struct peer_entry` (12 bytes): the peer's IPv4 underlay address and VTEP MAC.
    struct PeerEntry: Equatable, Sendable {
        var underlayIP: InetAddress
        var vtepMAC: MACAddress

        var bytes: [UInt8] { underlayIP.bytes + vtepMAC.bytes + [0, 0] }

        init(underlayIP: InetAddress, vtepMAC: MACAddress) {
            self.underlayIP = underlayIP
            self.vtepMAC = vtepMAC
        }

        init?(bytes: [UInt8]) {
            guard bytes.count == Self.size, let address = InetAddress(bytes: Array(bytes[0..<4])) else { return nil }
            underlayIP = address
            vtepMAC = MACAddress(bytes: Array(bytes[4..<10]))
        }

        static let size = 12
    }

    /// `struct node_config` (24 bytes, the single element of `swcni_node`).
    struct NodeEntry: Equatable, Sendable {
        var vtepIndex: Int32
        /// 0: no encapsulation in the program (IPv6 underlay: the kernel VTEP encapsulates).
        var underlayIndex: Int32
        var underlayIP: InetAddress?
        var vni: UInt32
        var port: UInt16
        var vtepMAC: MACAddress

        var bytes: [UInt8] {
            ByteCoding.bytes(vtepIndex) + ByteCoding.bytes(underlayIndex) + (underlayIP?.bytes ?? [0, 0, 0, 0])
                + ByteCoding.bytes(vni) + ByteCoding.networkOrder(port) + vtepMAC.bytes
        }

        init(vtepIndex: Int32, underlayIndex: Int32, underlayIP: InetAddress?, vni: UInt32, port: UInt16, vtepMAC: MACAddress) {
            self.vtepIndex = vtepIndex
            self.underlayIndex = underlayIndex
            self.underlayIP = underlayIP
            self.vni = vni
            self.port = port
            self.vtepMAC = vtepMAC
        }

        init?(bytes: [UInt8]) {
            let reader = ByteReader(bytes)
            guard bytes.count == Self.size, let vtepIndex = reader.i32(at: 0), let underlayIndex = reader.i32(at: 4),
                let vni = reader.u32(at: 12), let port = reader.networkU16(at: 16)
            else { return nil }
            self.vtepIndex = vtepIndex
            self.underlayIndex = underlayIndex
            let ip = Array(bytes[8..<12])
            underlayIP = ip == [0, 0, 0, 0] ? nil : InetAddress(bytes: ip)
            self.vni = vni
            self.port = port
            vtepMAC = MACAddress(bytes: Array(bytes[18..<24]))
        }

        static let size = 24
    }

    static let nodeKey: [UInt8] = [0, 0, 0, 0]
}
