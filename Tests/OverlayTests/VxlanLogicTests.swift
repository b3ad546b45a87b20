import CNISpec
import Netlink
import Testing

@testable import Overlay

@Suite("VTEP MAC, MTU, self selection, peer plan")
struct VxlanLogicTests {
    @Test func vtepMACIsDeterministicLocalUnicast() {
        let a = VtepMAC.derive(vni: 1, underlayIP: InetAddress("192.168.77.11")!)
        #expect(a == VtepMAC.derive(vni: 1, underlayIP: InetAddress("192.168.77.11")!))
        #expect(a.bytes.count == 6)
        #expect(a.bytes[0] == 0x02)  // locally administered, unicast
        #expect(a != VtepMAC.derive(vni: 2, underlayIP: InetAddress("192.168.77.11")!))
        #expect(a != VtepMAC.derive(vni: 1, underlayIP: InetAddress("192.168.77.12")!))
        // FNV-1a 64 of 00 00 00 01 c0 a8 4d 0b; first five bytes after the 02 prefix.
        #expect(a.description == "02:76:f2:66:1a:4f")
        var seen = Set<MACAddress>()
        for i in 0..<256 { seen.insert(VtepMAC.derive(vni: 1, underlayIP: InetAddress("10.0.\(i).1")!)) }
        #expect(seen.count == 256)
    }

    @Test func configuredMACWins() {
        var n = node("a", "10.0.0.1", "10.244.1.0/24")
        n.vtepMAC = MACAddress("02:11:22:33:44:55")
        #expect(n.mac(vni: 1) == MACAddress("02:11:22:33:44:55"))
    }

    @Test func mtuArithmetic() {
        #expect(OverlayMTU.overlay(underlayMTU: 1500, ipv6Underlay: false) == 1450)
        #expect(OverlayMTU.overlay(underlayMTU: 1500, ipv6Underlay: true) == 1430)
        #expect(OverlayMTU.overlay(underlayMTU: 9001, ipv6Underlay: false) == 8951)
        #expect(OverlayMTU.overlay(underlayMTU: 118, ipv6Underlay: false) == 68)
        #expect(OverlayMTU.overlay(underlayMTU: 117, ipv6Underlay: false) == nil)
        #expect(OverlayMTU.overlay(underlayMTU: 137, ipv6Underlay: true) == nil)
    }

    let nodes = [node("a", "192.168.1.1", "10.244.1.0/24"), node("b", "192.168.1.2", "10.244.2.0/24"), node("c", "10.9.0.3", "10.244.3.0/24")]

    @Test func selfSelection() throws {
        let local = [InetAddress("127.0.0.1")!, InetAddress("192.168.1.2")!]
        #expect(try SelfSelection.select(nodes: nodes, nodeName: "c", localIP: nil, localAddresses: local, hostname: "a").name == "c")
        #expect(try SelfSelection.select(nodes: nodes, nodeName: nil, localIP: InetAddress("10.9.0.3"), localAddresses: local, hostname: nil).name == "c")
        #expect(try SelfSelection.select(nodes: nodes, nodeName: nil, localIP: nil, localAddresses: local, hostname: "a").name == "b")
        #expect(try SelfSelection.select(nodes: nodes, nodeName: nil, localIP: nil, localAddresses: [], hostname: "a").name == "a")
        #expect(throws: CNIError.self) { try SelfSelection.select(nodes: nodes, nodeName: "x", localIP: nil, localAddresses: local, hostname: nil) }
        #expect(throws: CNIError.self) { try SelfSelection.select(nodes: nodes, nodeName: nil, localIP: nil, localAddresses: [], hostname: "x") }
    }

    @Test func vxlanPlanPerPeer() {
        let plan = PeerPlan(
            vni: 1, nodes: nodes, selfNode: nodes[0], local: InetAddress("192.168.1.1")!,
            underlaySubnets: [InetPrefix("192.168.1.1/24")!], directRouting: false)
        let macB = VtepMAC.derive(vni: 1, underlayIP: InetAddress("192.168.1.2")!)
        let macC = VtepMAC.derive(vni: 1, underlayIP: InetAddress("10.9.0.3")!)
        #expect(plan.neighbours == [.init(ip: InetAddress("10.244.2.0")!, mac: macB), .init(ip: InetAddress("10.244.3.0")!, mac: macC)])
        #expect(plan.fdb == [.init(mac: macB, destination: InetAddress("192.168.1.2")!), .init(mac: macC, destination: InetAddress("10.9.0.3")!)])
        #expect(plan.vtepRoutes == [
            .init(destination: InetPrefix("10.244.2.0/24")!, gateway: InetAddress("10.244.2.0")!),
            .init(destination: InetPrefix("10.244.3.0/24")!, gateway: InetAddress("10.244.3.0")!),
        ])
        #expect(plan.directRoutes.isEmpty && plan.skipped.isEmpty)
    }

    @Test func directRoutingOnlyForSameSubnetPeers() {
        let plan = PeerPlan(
            vni: 1, nodes: nodes, selfNode: nodes[0], local: InetAddress("192.168.1.1")!,
            underlaySubnets: [InetPrefix("192.168.1.1/24")!], directRouting: true)
        #expect(plan.directRoutes == [.init(destination: InetPrefix("10.244.2.0/24")!, gateway: InetAddress("192.168.1.2")!)])
        #expect(plan.vtepRoutes.map(\.destination.description) == ["10.244.3.0/24"])
        #expect(plan.fdb.map(\.destination.description) == ["10.9.0.3"])
    }

    @Test func peersOfAnotherUnderlayFamilyAreSkipped() {
        let mixed = nodes + [node("d", "fd00::4", "10.244.4.0/24")]
        let plan = PeerPlan(
            vni: 1, nodes: mixed, selfNode: mixed[0], local: InetAddress("192.168.1.1")!, underlaySubnets: [], directRouting: false)
        #expect(plan.skipped.count == 1)
        #expect(!plan.vtepRoutes.contains { $0.destination.description == "10.244.4.0/24" })
    }

    @Test func ipv6PodCIDRUsesNetworkAddressAsGateway() {
        let v6 = [node("a", "192.168.1.1", "fd00:1::/64"), node("b", "192.168.1.2", "fd00:2::/64")]
        let plan = PeerPlan(vni: 7, nodes: v6, selfNode: v6[0], local: InetAddress("192.168.1.1")!, underlaySubnets: [], directRouting: false)
        #expect(plan.neighbours.map(\.ip.description) == ["fd00:2::"])
        #expect(plan.vtepRoutes.map(\.gateway.description) == ["fd00:2::"])
    }

    @Test func masqueradeRuleExcludesClusterAndMulticast() throws {
        let rules = try NodeFirewall.masqueradeRules(local: [try .init("10.244.1.0/24")], cluster: [try .init("10.244.0.0/16")])
        #expect(rules.count == 1)
        let text = "\(rules[0])"
        #expect(text.contains("10.244.1.0") && text.contains("10.244.0.0") && text.contains("224.0.0.0") && text.contains("masquerade"))
    }
}
