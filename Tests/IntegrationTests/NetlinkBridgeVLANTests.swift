import Foundation
import NetNS
import Netlink
import Testing

/// Bridge VLAN filtering and per-port VLANs.
///
/// Some kernels are built without `CONFIG_BRIDGE_VLAN_FILTERING` (this project's test VM is
/// one): there `ip link ... type bridge vlan_filtering 1` itself fails. The test asks
/// iproute2 first and, on such a kernel, checks that our calls fail the same way with an
/// error naming the operation; the full behaviour is checked wherever the kernel has it.
@Suite("netlink bridge VLANs", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkBridgeVLANTests {
    /// Whether iproute2 can turn on VLAN filtering on a scratch bridge in `ns`.
    static func kernelFiltersVLANs(_ ns: TestNamespace) throws -> Bool {
        let probe = try Shell.run(["ip", "-n", ns.name, "link", "add", "vlanprobe", "type", "bridge", "vlan_filtering", "1"])
        _ = try Shell.run(["ip", "-n", ns.name, "link", "del", "vlanprobe"])
        return probe.status == 0
    }

    @Test func vlanFilteringAndPortVLANs() throws {
        try TestNamespace.with { ns in
            let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
            try nl.createBridge(name: "br0")
            try nl.createVethPair(VethPair(name: "veth1", peerName: "peer1"))
            let bridge = try #require(try nl.link(named: "br0"))
            let port = try #require(try nl.link(named: "veth1"))
            try nl.setMaster(index: port.index, bridge.index)

            guard try Self.kernelFiltersVLANs(ns) else {
                FileHandle.standardError.write(Data(
                    "note: this kernel has no bridge VLAN filtering (iproute2 fails too); checking the error path only\n".utf8))
                do {
                    try nl.setBridgeSettings(index: bridge.index, BridgeSettings(vlanFiltering: true))
                    Issue.record("VLAN filtering was accepted although iproute2 could not turn it on")
                } catch let error as NetlinkError {
                    #expect(error.errno == EOPNOTSUPP)
                    #expect(error.description.contains("set bridge options of ifindex \(bridge.index)"))
                }
                do {
                    try nl.addBridgeVLAN(index: port.index, BridgeVLAN(id: 100, pvid: true, untagged: true))
                    Issue.record("a port VLAN was accepted although iproute2 could not turn filtering on")
                } catch let error as NetlinkError {
                    #expect(error.errno == EOPNOTSUPP)
                    #expect(error.description.contains("add VLAN 100 PVID untagged on ifindex \(port.index)"))
                }
                #expect(try nl.bridgeVLANs().isEmpty)
                return
            }

            try nl.setBridgeSettings(index: bridge.index, BridgeSettings(vlanFiltering: true, defaultPVID: 1))
            let filtering = try #require(try nl.link(index: bridge.index)?.bridge)
            #expect(filtering == BridgeSettings(vlanFiltering: true, defaultPVID: 1))
            let data = try NetlinkObservation.link(ns.name, "br0")?[object: "linkinfo"]?[object: "info_data"]
            #expect(data?["vlan_filtering"] as? Int == 1)

            try nl.addBridgeVLAN(index: port.index, BridgeVLAN(id: 100, pvid: true, untagged: true))
            try nl.addBridgeVLAN(index: port.index, BridgeVLAN(id: 200))
            try nl.deleteBridgeVLAN(index: port.index, id: 1)
            let ours = try nl.bridgeVLANs()[port.index] ?? []
            #expect(Set(ours) == [BridgeVLAN(id: 100, pvid: true, untagged: true), BridgeVLAN(id: 200)])

            let observed = try NetlinkObservation.bridge(ns.name, ["vlan", "show", "dev", "veth1"])
            let entries = observed.first?["vlans"] as? [[String: Any]] ?? []
            let flagsByID = Dictionary(
                uniqueKeysWithValues: entries.compactMap { e in (e["vlan"] as? Int).map { ($0, Set(e.flags())) } })
            #expect(flagsByID == [100: ["PVID", "Egress Untagged"], 200: []])

            // A VLAN on the bridge device itself (`self`), as a gateway on br0.<vlan> needs.
            try nl.addBridgeVLAN(index: bridge.index, BridgeVLAN(id: 300), bridgeItself: true)
            #expect(try nl.bridgeVLANs()[bridge.index]?.contains(BridgeVLAN(id: 300)) == true)
            try nl.deleteBridgeVLAN(index: bridge.index, id: 300, bridgeItself: true)
            #expect(try nl.bridgeVLANs()[bridge.index]?.contains(BridgeVLAN(id: 300)) != true)
        }
    }
}
