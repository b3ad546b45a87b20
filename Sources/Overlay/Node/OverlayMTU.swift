/// VXLAN encapsulation overhead and the overlay MTU that follows from the underlay's.
///
/// Outer Ethernet 14 + UDP 8 + VXLAN 8, plus the outer IP header: 20 (IPv4) or 40 (IPv6).
/// So the overlay (VTEP, bridge, both veth ends) MTU is underlay − 50 over IPv4 and
/// underlay − 70 over IPv6.
public enum OverlayMTU {
    public static func overhead(ipv6Underlay: Bool) -> UInt32 { ipv6Underlay ? 70 : 50 }

    /// The largest overlay MTU for `underlayMTU`; nil when the underlay is too small to
    /// carry the minimum IPv4 packet (68) after encapsulation.
    public static func overlay(underlayMTU: UInt32, ipv6Underlay: Bool) -> UInt32? {
        let overhead = overhead(ipv6Underlay: ipv6Underlay)
        guard underlayMTU >= overhead + 68 else { return nil }
        return underlayMTU - overhead
    }
}
