import Netlink
import Testing

@testable import VxlanDataPath

/// The byte layouts of the eBPF data path's map keys and values, written out by hand from
/// the C structs in bpf/vxlan_datapath.bpf.c (not from DataPathLayout's own helpers).
@Suite("eBPF data path map layouts")
struct DataPathLayoutTests {
    /// A 32-bit field as the C program reads it (host order): `littleEndian` given as the
    /// bytes of a little-endian machine, reversed on a big-endian one.
    func host(_ littleEndian: [UInt8]) -> [UInt8] {
        #if _endian(little)
        return littleEndian
        #else
        return littleEndian.reversed()
        #endif
    }

    let podMAC = MACAddress("0a:58:0a:f4:01:05")!
    let bridgeMAC = MACAddress("ee:10:20:30:40:50")!

    @Test func podKeyOfAnIPv4AddressIsIPv4MappedIPv6() {
        let key = DataPathLayout.podKey(InetAddress("10.244.1.5")!)
        #expect(key == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 244, 1, 5])
        #expect(key.count == DataPathLayout.podKeySize)
        #expect(DataPathLayout.address(podKey: key) == InetAddress("10.244.1.5")!)
    }

    @Test func podKeyOfAnIPv6AddressIsTheAddress() {
        let key = DataPathLayout.podKey(InetAddress("fd00:10:244:1::5")!)
        #expect(key == [0xfd, 0x00, 0x00, 0x10, 0x02, 0x44, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x05])
        #expect(DataPathLayout.address(podKey: key) == InetAddress("fd00:10:244:1::5")!)
        // An IPv6 address that only looks partly mapped stays IPv6.
        let almost = DataPathLayout.podKey(InetAddress("::fffe:a00:1")!)
        #expect(DataPathLayout.address(podKey: almost) == InetAddress("::fffe:a00:1")!)
    }

    @Test func peerKeyOfAnIPv4PrefixAdds96ToTheLengthAndUsesTheNetwork() {
        let key = DataPathLayout.peerKey(InetPrefix("10.244.2.7/24")!)
        #expect(key == host([120, 0, 0, 0]) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 244, 2, 0])
        #expect(key.count == DataPathLayout.peerKeySize)
        #expect(DataPathLayout.peerKey(InetPrefix("10.244.0.0/16")!).prefix(4) == host([112, 0, 0, 0])[...])
        #expect(DataPathLayout.peerKey(InetPrefix("0.0.0.0/0")!).prefix(4) == host([96, 0, 0, 0])[...])
    }

    @Test func peerKeyOfAnIPv6PrefixKeepsItsLength() {
        let key = DataPathLayout.peerKey(InetPrefix("fd00:10:244:2::/64")!)
        #expect(key == host([64, 0, 0, 0]) + [0xfd, 0x00, 0x00, 0x10, 0x02, 0x44, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func podEntryBytesAndRoundTrip() {
        let entry = DataPathLayout.PodEntry(hostInterfaceIndex: 0x0102_0304, flags: DataPathLayout.PodEntry.slowPath, mac: podMAC, gatewayMAC: bridgeMAC)
        let expected = host([0x04, 0x03, 0x02, 0x01]) + host([1, 0, 0, 0])
            + [0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x05] + [0xee, 0x10, 0x20, 0x30, 0x40, 0x50]
        #expect(entry.bytes == expected)
        #expect(entry.bytes.count == DataPathLayout.PodEntry.size)
        #expect(DataPathLayout.PodEntry.size == 20)
        #expect(DataPathLayout.PodEntry(bytes: entry.bytes) == entry)
        #expect(DataPathLayout.PodEntry.slowPath == 1, "POD_SLOW_PATH in the C program")
        let unmarked = DataPathLayout.PodEntry(hostInterfaceIndex: 9, flags: 0, mac: podMAC, gatewayMAC: bridgeMAC)
        #expect(DataPathLayout.PodEntry(bytes: unmarked.bytes) == unmarked)
    }

    @Test func podEntryOfTheWrongSizeIsRejected() {
        #expect(DataPathLayout.PodEntry(bytes: [UInt8](repeating: 0, count: 19)) == nil)
        #expect(DataPathLayout.PodEntry(bytes: [UInt8](repeating: 0, count: 21)) == nil)
    }

    @Test func peerEntryBytesAndRoundTrip() {
        let entry = DataPathLayout.PeerEntry(underlayIP: InetAddress("192.168.60.12")!, vtepMAC: MACAddress("02:aa:bb:cc:dd:ee")!)
        // __be32 underlay_ip (network order), vtep_mac[6], __u16 reserved.
        #expect(entry.bytes == [192, 168, 60, 12, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0])
        #expect(DataPathLayout.PeerEntry.size == 12)
        #expect(DataPathLayout.PeerEntry(bytes: entry.bytes) == entry)
        #expect(DataPathLayout.PeerEntry(bytes: Array(entry.bytes.prefix(11))) == nil)
    }

    @Test func nodeEntryBytesAndRoundTrip() {
        let entry = DataPathLayout.NodeEntry(
            vtepIndex: 7, underlayIndex: 2, underlayIP: InetAddress("192.168.60.11")!, vni: 0x0001_0203, port: 4789,
            vtepMAC: MACAddress("02:76:f2:66:1a:4f")!)
        // u32 vtep_ifindex, u32 underlay_ifindex, __be32 underlay_ip, u32 vni, __be16 port, u8 vtep_mac[6].
        let expected = host([7, 0, 0, 0]) + host([2, 0, 0, 0]) + [192, 168, 60, 11] + host([0x03, 0x02, 0x01, 0x00])
            + [0x12, 0xb5] + [0x02, 0x76, 0xf2, 0x66, 0x1a, 0x4f]
        #expect(entry.bytes == expected)
        #expect(DataPathLayout.NodeEntry.size == 24)
        #expect(DataPathLayout.NodeEntry(bytes: entry.bytes) == entry)
        #expect(DataPathLayout.nodeKey == [0, 0, 0, 0])
    }

    @Test func nodeEntryWithoutEncapsulationHasZeroUnderlay() {
        // IPv6 underlay: the program does not encapsulate (underlay_ifindex 0, no address).
        let entry = DataPathLayout.NodeEntry(
            vtepIndex: 12, underlayIndex: 0, underlayIP: nil, vni: 42, port: 8472, vtepMAC: MACAddress("02:00:00:00:00:01")!)
        #expect(Array(entry.bytes[4..<12]) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(entry.bytes[16..<18]) == [0x21, 0x18])
        let back = DataPathLayout.NodeEntry(bytes: entry.bytes)
        #expect(back == entry)
        #expect(back?.underlayIP == nil)
        #expect(DataPathLayout.NodeEntry(bytes: [UInt8](repeating: 0, count: 23)) == nil)
    }

    /// The layouts' integers go through Netlink's host-order ByteCoding and ByteReader.
    @Test func hostIntegerIsTheInverseOfHostBytes() {
        for value: UInt32 in [0, 1, 0xff, 0x100, 0x1234_5678, 0xffff_ffff] {
            #expect(ByteReader(ByteCoding.bytes(value)).u32(at: 0) == value)
        }
        #expect(ByteCoding.bytes(UInt32(0x1234_5678)) == host([0x78, 0x56, 0x34, 0x12]))
    }
}
