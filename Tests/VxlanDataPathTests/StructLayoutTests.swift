import CVxlanDataPath
import Netlink
import Testing

@testable import VxlanDataPath

/// DataPathLayout's encodings against the C structs of datapath_layout.h, the header the
/// eBPF program itself includes: each field written by Swift lies at the offset, and each
/// value has the size, that the C compiler gives it (`swcni_dp_layout`).
@Suite("eBPF map layouts against the C header")
struct StructLayoutTests {
    let c = swcni_dp_layout()
    let mac = MACAddress("0a:58:0a:f4:01:05")!
    let otherMAC = MACAddress("ee:10:20:30:40:50")!

    func field(_ bytes: [UInt8], at offset: UInt, _ count: Int) -> [UInt8] {
        Array(bytes[Int(offset)..<Int(offset) + count])
    }

    @Test func podKey() {
        let address = InetAddress("fd00:10:244:1::5")!
        let key = DataPathLayout.podKey(address)
        #expect(UInt(key.count) == c.pod_key_size)
        #expect(UInt(DataPathLayout.podKeySize) == c.pod_key_size)
        #expect(field(key, at: c.pod_key_addr, 16) == address.bytes)
    }

    @Test func podEntry() {
        let entry = DataPathLayout.PodEntry(hostInterfaceIndex: 0x0102_0304, flags: 0x0506_0708, mac: mac, gatewayMAC: otherMAC)
        let bytes = entry.bytes
        #expect(UInt(bytes.count) == c.pod_entry_size)
        #expect(UInt(DataPathLayout.PodEntry.size) == c.pod_entry_size)
        #expect(field(bytes, at: c.pod_entry_ifindex, 4) == ByteCoding.bytes(Int32(0x0102_0304)))
        #expect(field(bytes, at: c.pod_entry_flags, 4) == ByteCoding.bytes(UInt32(0x0506_0708)))
        #expect(field(bytes, at: c.pod_entry_mac, 6) == mac.bytes)
        #expect(field(bytes, at: c.pod_entry_gw_mac, 6) == otherMAC.bytes)
    }

    @Test func podFlags() {
        #expect(DataPathLayout.PodEntry.slowPath == c.pod_slow_path)
        #expect(DataPathLayout.PodEntry.forwards == c.pod_forwards)
        #expect(DataPathLayout.PodEntry.shaped == c.pod_shaped)
    }

    @Test func peerKey() {
        let prefix = InetPrefix("fd00:10:244:2::/64")!
        let key = DataPathLayout.peerKey(prefix)
        #expect(UInt(key.count) == c.peer_key_size)
        #expect(UInt(DataPathLayout.peerKeySize) == c.peer_key_size)
        #expect(field(key, at: c.peer_key_prefixlen, 4) == ByteCoding.bytes(UInt32(64)))
        #expect(field(key, at: c.peer_key_addr, 16) == prefix.network.bytes)
    }

    @Test func peerEntry() {
        let underlay = InetAddress("192.168.50.12")!
        let bytes = DataPathLayout.PeerEntry(underlayIP: underlay, vtepMAC: mac).bytes
        #expect(UInt(bytes.count) == c.peer_entry_size)
        #expect(UInt(DataPathLayout.PeerEntry.size) == c.peer_entry_size)
        #expect(field(bytes, at: c.peer_entry_underlay_ip, 4) == underlay.bytes)
        #expect(field(bytes, at: c.peer_entry_vtep_mac, 6) == mac.bytes)
    }

    @Test func nodeConfig() {
        let underlay = InetAddress("192.168.50.11")!
        let entry = DataPathLayout.NodeEntry(
            vtepIndex: 0x0a0b_0c0d, underlayIndex: 0x1112_1314, underlayIP: underlay, vni: 0x0042_4344, port: 8472, vtepMAC: mac)
        let bytes = entry.bytes
        #expect(UInt(bytes.count) == c.node_config_size)
        #expect(UInt(DataPathLayout.NodeEntry.size) == c.node_config_size)
        #expect(field(bytes, at: c.node_config_vtep_ifindex, 4) == ByteCoding.bytes(Int32(0x0a0b_0c0d)))
        #expect(field(bytes, at: c.node_config_underlay_ifindex, 4) == ByteCoding.bytes(Int32(0x1112_1314)))
        #expect(field(bytes, at: c.node_config_underlay_ip, 4) == underlay.bytes)
        #expect(field(bytes, at: c.node_config_vni, 4) == ByteCoding.bytes(UInt32(0x0042_4344)))
        #expect(field(bytes, at: c.node_config_port, 2) == ByteCoding.networkOrder(8472))
        #expect(field(bytes, at: c.node_config_vtep_mac, 6) == mac.bytes)
    }
}
