import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// A network interface as rtnetlink reports it (`RTM_NEWLINK`).
public struct Link: Sendable, Equatable {
    public var index: Int32
    public var name: String
    /// `IFLA_INFO_KIND`: `bridge`, `veth`, `vxlan`, ...; nil for physical devices and `lo`.
    public var kind: String?
    /// `IFLA_INFO_SLAVE_KIND`: `bridge` when this link is a bridge port.
    public var portKind: String?
    /// `ifi_flags` (`IFF_UP`, `IFF_PROMISC`, `IFF_LOWER_UP`, ...).
    public var flags: UInt32
    public var mtu: UInt32
    public var mac: MACAddress?
    /// `IFLA_MASTER`: the bridge (or other master) this link is enslaved to.
    public var masterIndex: Int32?
    public var operState: OperState
    /// `IFLA_LINK`: for a veth, the peer's ifindex (in the namespace `linkNetNSID` names, when set).
    public var linkIndex: Int32?
    /// `IFLA_LINK_NETNSID`: the id, in this namespace, of the namespace holding the peer/lower link.
    public var linkNetNSID: Int32?
    /// `IFLA_PROMISCUITY`: the promiscuity count (user setting plus internal users such as a bridge).
    public var promiscuity: UInt32
    /// `IFLA_TXQLEN`: the transmit queue length (`ip link set txqueuelen`).
    public var txQueueLength: UInt32
    /// Bridge options, when `kind == "bridge"`.
    public var bridge: BridgeSettings?
    /// Bridge-port options, when `portKind == "bridge"`.
    public var port: BridgePortSettings?
    /// VXLAN options, when `kind == "vxlan"`.
    public var vxlan: VxlanSettings?
    /// `net.ipv6.conf.<name>.accept_ra` as the link dump reports it (`IFLA_AF_SPEC` /
    /// `AF_INET6` / `IFLA_INET6_CONF`); nil when IPv6 is off or the kernel did not say.
    public var ipv6AcceptRA: Int32?

    /// Administratively up (`IFF_UP`).
    public var isUp: Bool { flags & UInt32(IFF_UP.rawValue) != 0 }
    /// Promiscuous mode set by a user (`IFF_PROMISC`).
    public var isPromiscuous: Bool { flags & UInt32(IFF_PROMISC.rawValue) != 0 }
    /// Receives all multicast packets (`IFF_ALLMULTI`).
    public var isAllMulticast: Bool { flags & UInt32(IFF_ALLMULTI.rawValue) != 0 }

    /// `IF_OPER_*` (RFC 2863 operational state).
    public enum OperState: UInt8, Sendable {
        case unknown = 0, notPresent, down, lowerLayerDown, testing, dormant, up
    }

    /// `DEVCONF_ACCEPT_RA` (linux/ipv6.h): the index of `accept_ra` in `IFLA_INET6_CONF`.
    static let devconfAcceptRA = 3

    /// One value of the IPv6 per-device configuration array (`IFLA_INET6_CONF`, s32 each).
    static func ipv6Conf(_ a: NetlinkAttributes, index: Int) -> Int32? {
        guard let conf = a.nested(UInt16(nl: IFLA_AF_SPEC))?.nested(UInt16(nl: AF_INET6))?.payload(UInt16(nl: IFLA_INET6_CONF)),
            conf.count >= (index + 1) * 4
        else { return nil }
        return ByteReader(conf).i32(at: index * 4)
    }

    init?(_ reply: NetlinkReply) {
        guard let header = InterfaceInfoHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: InterfaceInfoHeader.size)
        index = header.index
        flags = header.flags
        name = a.string(UInt16(nl: IFLA_IFNAME)) ?? ""
        mtu = a.u32(UInt16(nl: IFLA_MTU)) ?? 0
        mac = a.payload(UInt16(nl: IFLA_ADDRESS)).map(MACAddress.init(bytes:))
        masterIndex = a.i32(UInt16(nl: IFLA_MASTER))
        operState = OperState(rawValue: a.u8(UInt16(nl: IFLA_OPERSTATE)) ?? 0) ?? .unknown
        linkIndex = a.i32(UInt16(nl: IFLA_LINK))
        linkNetNSID = a.i32(UInt16(nl: IFLA_LINK_NETNSID))
        promiscuity = a.u32(UInt16(nl: IFLA_PROMISCUITY)) ?? 0
        txQueueLength = a.u32(UInt16(nl: IFLA_TXQLEN)) ?? 0
        let info = a.nested(UInt16(nl: IFLA_LINKINFO))
        kind = info?.string(UInt16(nl: IFLA_INFO_KIND))
        portKind = info?.string(UInt16(nl: IFLA_INFO_SLAVE_KIND))
        let data = info?.nested(UInt16(nl: IFLA_INFO_DATA)) ?? NetlinkAttributes()
        bridge = kind == "bridge" ? BridgeSettings(decoding: data) : nil
        vxlan = kind == "vxlan" ? VxlanSettings(decoding: data) : nil
        ipv6AcceptRA = Self.ipv6Conf(a, index: Self.devconfAcceptRA)
        if portKind == "bridge", let portData = info?.nested(UInt16(nl: IFLA_INFO_SLAVE_DATA)) {
            port = BridgePortSettings(decoding: portData)
        }
    }
}
