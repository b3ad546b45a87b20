import Netlink
import SystemSupport

/// The deterministic MAC of a node's VTEP, so peers compute each other's MAC from the node
/// list alone and never exchange it: `02` (locally administered, unicast) followed by the
/// first 5 bytes of FNV-1a 64 over the VNI (4 bytes, big-endian) and the underlay address
/// bytes. A node that keeps its VNI and underlay address keeps its MAC across reboots and
/// device re-creation, so peers' neighbour and FDB entries never go stale.
public enum VtepMAC {
    public static func derive(vni: UInt32, underlayIP: InetAddress) -> MACAddress {
        var input: [UInt8] = [UInt8(vni >> 24 & 0xff), UInt8(vni >> 16 & 0xff), UInt8(vni >> 8 & 0xff), UInt8(vni & 0xff)]
        input += underlayIP.bytes
        return MACAddress(bytes: StableHash.localMAC(input))
    }
}
