import Foundation
import NetNS
import Netlink
import Testing

/// Links through the Netlink library, read back with our own dumps and with `ip -j -d`.
@Suite("netlink links", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkLinkTests {
    static func socket(_ ns: TestNamespace) throws -> NetlinkSocket {
        try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
    }

    @Test func vethPeerIsCreatedStraightInTheOtherNamespace() throws {
        try TestNamespace.with(2) { namespaces in
            let (host, ctr) = (namespaces[0], namespaces[1])
            let hostSocket = try Self.socket(host)
            let ctrSocket = try Self.socket(ctr)
            let mac = MACAddress("02:00:00:00:10:01")!
            let peerMAC = MACAddress("02:00:00:00:10:02")!
            try hostSocket.createVethPair(VethPair(
                name: "vethhost", peerName: "eth0", mtu: 1400, mac: mac, peerMAC: peerMAC,
                peerNamespace: NetworkNamespace(path: ctr.path)))

            let hostEnd = try #require(try hostSocket.link(named: "vethhost"))
            let peer = try #require(try ctrSocket.link(named: "eth0"))
            #expect(hostEnd.kind == "veth" && peer.kind == "veth")
            #expect(hostEnd.mtu == 1400 && peer.mtu == 1400)
            #expect(hostEnd.mac == mac && peer.mac == peerMAC)
            #expect(peer.linkIndex == hostEnd.index, "IFLA_LINK of the peer names the host end")
            #expect(peer.linkNetNSID != nil, "the peer's lower link lives in another namespace")
            #expect(try hostSocket.link(named: "eth0") == nil, "the peer never appears in the host namespace")
            #expect(!hostEnd.isUp && !peer.isUp)

            let observed = try #require(try NetlinkObservation.link(ctr.name, "eth0"))
            #expect(observed[object: "linkinfo"]?["info_kind"] as? String == "veth")
            #expect(observed["mtu"] as? Int == 1400)
            #expect(observed["address"] as? String == "02:00:00:00:10:02")
            #expect(observed["ifindex"] as? Int == Int(peer.index))
            #expect(try NetlinkObservation.link(host.name, "eth0") == nil)

            // Deleting one end removes both.
            try hostSocket.deleteLink(index: hostEnd.index)
            #expect(try ctrSocket.link(named: "eth0") == nil)
            #expect(try NetlinkObservation.link(ctr.name, "eth0") == nil)
        }
    }

    @Test func bridgePortOptions() throws {
        try TestNamespace.with(2) { namespaces in
            let (host, ctr) = (namespaces[0], namespaces[1])
            let nl = try Self.socket(host)
            let bridgeMAC = MACAddress("02:00:00:00:20:01")!
            try nl.createBridge(name: "br0", mtu: 1450, mac: bridgeMAC)
            try nl.createVethPair(VethPair(name: "veth1", peerName: "eth0", peerNamespace: NetworkNamespace(path: ctr.path)))
            let bridge = try #require(try nl.link(named: "br0"))
            let port = try #require(try nl.link(named: "veth1"))
            #expect(bridge.kind == "bridge" && bridge.mac == bridgeMAC && bridge.mtu == 1450)
            #expect(bridge.bridge?.vlanFiltering == false, "a new bridge does not filter VLANs")

            try nl.setMTU(index: port.index, 1450)
            let portMAC = MACAddress("02:00:00:00:20:02")!
            try nl.setMAC(index: port.index, portMAC)
            try nl.setMaster(index: port.index, bridge.index)
            try nl.setUp(index: port.index)
            try nl.setUp(index: bridge.index)
            try nl.setPromiscuous(index: bridge.index, true)
            try nl.setBridgePort(index: port.index, BridgePortSettings(hairpin: true, isolated: true, learning: false))

            let enslaved = try #require(try nl.link(index: port.index))
            #expect(enslaved.masterIndex == bridge.index)
            #expect(enslaved.isUp && enslaved.mtu == 1450 && enslaved.mac == portMAC)
            #expect(enslaved.portKind == "bridge")
            #expect(enslaved.port == BridgePortSettings(hairpin: true, isolated: true, learning: false))
            #expect(try nl.link(index: bridge.index)?.isPromiscuous == true)

            let observedPort = try #require(try NetlinkObservation.link(host.name, "veth1"))
            #expect(observedPort["master"] as? String == "br0")
            #expect(observedPort.flags().contains("UP"))
            #expect(observedPort["mtu"] as? Int == 1450)
            #expect(observedPort["address"] as? String == "02:00:00:00:20:02")
            let slaveData = try #require(observedPort[object: "linkinfo"]?[object: "info_slave_data"])
            #expect(slaveData["hairpin"] as? Bool == true)
            #expect(slaveData["isolated"] as? Bool == true)
            #expect(slaveData["learning"] as? Bool == false)
            let observedBridge = try #require(try NetlinkObservation.link(host.name, "br0"))
            #expect(observedBridge.flags().contains("PROMISC"))
            #expect(observedBridge["address"] as? String == "02:00:00:00:20:01")

            // Hairpin and isolation off again.
            try nl.setBridgePort(index: port.index, BridgePortSettings(hairpin: false, isolated: false))
            #expect(try nl.link(index: port.index)?.port == BridgePortSettings(hairpin: false, isolated: false, learning: false))

            // Off the bridge again.
            try nl.setMaster(index: port.index, nil)
            #expect(try nl.link(index: port.index)?.masterIndex == nil)
            #expect(try NetlinkObservation.link(host.name, "veth1")?["master"] == nil)
        }
    }

    @Test func renameMoveDownAndDump() throws {
        try TestNamespace.with(2) { namespaces in
            let (a, b) = (namespaces[0], namespaces[1])
            let nl = try Self.socket(a)
            try nl.createVethPair(VethPair(name: "va", peerName: "vb"))
            let va = try #require(try nl.link(named: "va"))
            let vb = try #require(try nl.link(named: "vb"))
            #expect(va.linkIndex == vb.index && va.linkNetNSID == nil)
            let names = try nl.links().map(\.name)
            #expect(Set(names).isSuperset(of: ["lo", "va", "vb"]))

            try nl.setUp(index: va.index)
            #expect(try nl.link(index: va.index)?.isUp == true)
            try nl.setUp(index: va.index, false)
            #expect(try nl.link(index: va.index)?.isUp == false)
            try nl.rename(index: va.index, to: "renamed")
            #expect(try nl.link(named: "va") == nil)
            #expect(try nl.link(index: va.index)?.name == "renamed")

            try nl.move(index: vb.index, to: NetworkNamespace(path: b.path))
            #expect(try nl.link(named: "vb") == nil)
            #expect(try NetlinkObservation.link(b.name, "vb") != nil)
            #expect(try Self.socket(b).link(named: "vb")?.kind == "veth")
        }
    }

    @Test func errorsCarryTheOperationErrnoAndKernelMessage() throws {
        try TestNamespace.with { ns in
            let nl = try Self.socket(ns)
            try nl.createVethPair(VethPair(name: "ve0", peerName: "ve1"))
            let link = try #require(try nl.link(named: "ve0"))

            // MTU beyond the veth maximum: the kernel explains itself in an extended ack.
            do {
                try nl.setMTU(index: link.index, 70000)
                Issue.record("expected an error")
            } catch let error as NetlinkError {
                #expect(error.errno == EINVAL)
                let message = try #require(error.kernelMessage)
                #expect(message.lowercased().contains("mtu"))
                #expect(error.description.contains("set MTU 70000 on ifindex \(link.index)"))
                #expect(error.description.contains(message))
                #expect(error.description.contains("EINVAL"))
            }

            // Creating a second link with a taken name is reported as EEXIST.
            do {
                try nl.createBridge(name: "ve0")
                Issue.record("expected an error")
            } catch let error as NetlinkError {
                #expect(error.alreadyExists)
                #expect(error.description.contains("create bridge ve0"))
            }

            // A missing link is nil on lookup, ENODEV on change.
            #expect(try nl.link(named: "nosuchlink") == nil)
            #expect(try nl.link(index: 999_999) == nil)
            do {
                try nl.setUp(index: 999_999)
                Issue.record("expected an error")
            } catch let error as NetlinkError {
                #expect(error.notFound)
            }
        }
    }

    @Test func vxlanDevice() throws {
        try TestNamespace.with { ns in
            let nl = try Self.socket(ns)
            try nl.createVethPair(VethPair(name: "under0", peerName: "under1"))
            let underlay = try #require(try nl.link(named: "under0"))
            let local = InetAddress("192.0.2.10")!
            try nl.createVxlan(
                name: "vx42", VxlanSettings(vni: 42, port: 4789, local: local, underlayIndex: underlay.index),
                mtu: 1450, mac: MACAddress("02:00:00:00:42:01"))
            let vx = try #require(try nl.link(named: "vx42"))
            #expect(vx.kind == "vxlan" && vx.mtu == 1450)
            #expect(vx.vxlan == VxlanSettings(vni: 42, port: 4789, local: local, underlayIndex: underlay.index, learning: false))
            let data = try #require(try NetlinkObservation.link(ns.name, "vx42")?[object: "linkinfo"]?[object: "info_data"])
            #expect(data["id"] as? Int == 42)
            #expect(data["port"] as? Int == 4789)
            #expect(data["local"] as? String == "192.0.2.10")
            #expect(data["link"] as? String == "under0")
            #expect(data["learning"] as? Bool == false)
        }
    }
}
