import Netlink
import NodeDoctor
import Testing
import Overlay

@Suite("doctor: overlay and MTU checks")
struct OverlayCheckTests {
    @Test func vtepMissingDownOrMisconfigured() {
        var s = Fixture.healthy
        s.updateLink("vxlan.1") { $0.isUp = false }
        #expect(OverlayCheck.findings(s).map(\.check) == ["vtep-down"])
        s.updateLink("vxlan.1") {
            $0.isUp = true
            $0.vxlan = VxlanSettings(vni: 2, port: 8472, local: ip("192.168.50.11"), underlayIndex: Fixture.eth0, learning: true)
        }
        let found = OverlayCheck.findings(s)
        #expect(found.map(\.check) == ["vtep-settings"])
        #expect(found.first?.evidence == "VNI 2 (wanted 1), port 8472 (wanted 4789), learning on (wanted off)")
        s.links.removeAll { $0.name == "vxlan.1" }
        #expect(OverlayCheck.findings(s).map(\.check) == ["vtep-missing"])
    }

    @Test func peerFDBMissingOrStale() {
        var s = Fixture.healthy
        s.overlay?.fdb = []
        #expect(OverlayCheck.findings(s).map(\.check) == ["peer-fdb-missing"])
        s.overlay?.fdb = [FDBState(mac: Fixture.peerMAC, destination: ip("192.168.50.99"))]
        let stale = OverlayCheck.findings(s)
        #expect(stale.map(\.check) == ["peer-fdb-stale"])
        #expect(stale.first?.evidence.contains("192.168.50.99") == true && stale.first?.problem.contains("node2") == true)
        s.overlay?.fdb = [FDBState(mac: MACAddress("02:00:00:00:00:99")!, destination: ip("192.168.50.12"))]
        #expect(OverlayCheck.findings(s).map(\.check) == ["peer-fdb-stale"])
    }

    @Test func peerNeighbourMissingOrStale() {
        var s = Fixture.healthy
        s.overlay?.neighbours = []
        #expect(OverlayCheck.findings(s).map(\.check) == ["peer-neighbour-missing"])
        s.overlay?.neighbours = [NeighbourState(address: ip("10.244.2.0"), mac: MACAddress("02:00:00:00:00:99"))]
        #expect(OverlayCheck.findings(s).map(\.check) == ["peer-neighbour-stale"])
    }

    @Test func peerRouteMissingOrStale() {
        var s = Fixture.healthy
        s.routes.removeAll { $0.destination == prefix("10.244.2.0/24") }
        #expect(OverlayCheck.findings(s).map(\.check) == ["peer-route-missing"])
        s.routes.append(RouteState(destination: prefix("10.244.2.0/24"), gateway: ip("192.168.50.1"), outputIndex: Fixture.eth0))
        let found = OverlayCheck.findings(s)
        #expect(found.map(\.check) == ["peer-route-stale"])
        #expect(found.first?.evidence.contains("via 192.168.50.1 dev eth0") == true)
    }

    @Test func unresolvedOverlayIsOneFinding() {
        var s = Fixture.healthy
        s.overlay?.unresolved = "this node is not in the node list"
        #expect(Doctor.examine(s).map(\.check) == ["overlay-unresolved"])
    }

    @Test func mtuAboveTheOverlay() {
        var s = Fixture.healthy
        s.updateLink("cni0") { $0.mtu = 1500 }
        s.pods[0].podInterfaceMTU = 1500
        let found = MTUCheck.findings(s)
        #expect(found.map(\.check) == ["mtu-above-overlay", "mtu-above-overlay"])
        #expect(found.map(\.object) == ["cni0", "/run/netns/a eth0"])
        #expect(found[0].evidence == "cni0 MTU 1500 > overlay MTU 1450 (eth0 MTU 1500 − 50)")
        #expect(found[0].fix == "ip link set cni0 mtu 1450")
    }

    @Test func underlayTooSmall() {
        var s = Fixture.healthy
        s.overlay?.configuredMTU = 1450
        s.overlay?.underlay?.mtu = 1400
        #expect(MTUCheck.findings(s).map(\.check) == ["underlay-mtu-too-small"])
        s.overlay?.configuredMTU = nil
        s.overlay?.underlay?.mtu = 100
        #expect(MTUCheck.findings(s).map(\.check) == ["underlay-mtu-too-small"])
        // The derived overlay MTU follows a smaller underlay: no finding for the underlay itself,
        // but the links still at 1450 now exceed it.
        s.overlay?.underlay?.mtu = 1400
        #expect(MTUCheck.findings(s).allSatisfy { $0.check == "mtu-above-overlay" })
    }
}
