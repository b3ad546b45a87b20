import CNISpec
import Netlink
import Testing

@testable import BridgePlugin

@Suite("Route mapping")
struct RouteMappingTests {
    @Test func everyResultFieldReachesTheNetlinkRoute() throws {
        let route = CNIResult.Route(dst: "192.168.7.9/16", gw: "10.0.0.254", mtu: 1400, advmss: 1360, priority: 50, table: 100, scope: 0)
        let r = try ContainerSetup.netlinkRoute(route, outputIndex: 7)
        #expect(r.destination.description == "192.168.0.0/16")
        #expect(r.gateway?.description == "10.0.0.254")
        #expect(r.outputIndex == 7 && r.table == 100 && r.priority == 50 && r.mtu == 1400 && r.advmss == 1360 && r.scope == 0)
    }

    @Test func aRouteWithoutGatewayGoesViaItsFamilysGateway() throws {
        let ips: [CNIResult.IPConfig] = [
            .init(address: "10.0.0.5/24", gateway: "10.0.0.1"), .init(address: "10.1.0.5/24", gateway: "10.1.0.1"),
            .init(address: "fd00::5/64", gateway: "fd00::1"),
        ]
        let gateways = ContainerSetup.familyGateways(ips)
        #expect(gateways == [true: "10.0.0.1", false: "fd00::1"])
        #expect(try ContainerSetup.netlinkRoute(.init(dst: "0.0.0.0/0"), outputIndex: 1, gateways: gateways).gateway?.description == "10.0.0.1")
        #expect(try ContainerSetup.netlinkRoute(.init(dst: "::/0"), outputIndex: 1, gateways: gateways).gateway?.description == "fd00::1")
        #expect(try ContainerSetup.netlinkRoute(.init(dst: "::/0"), outputIndex: 1).gateway == nil, "no gateway: a link route")
        #expect(try ContainerSetup.netlinkRoute(.init(dst: "::/0", gw: "fd00::9"), outputIndex: 1, gateways: gateways).gateway?.description == "fd00::9")
    }

    @Test func badRoutesAreDecodingFailures() {
        #expect(throws: CNIError.self) { try ContainerSetup.netlinkRoute(.init(dst: "nonsense"), outputIndex: 1) }
        #expect(throws: CNIError.self) { try ContainerSetup.netlinkRoute(.init(dst: "10.0.0.0/8", gw: "fd00::1"), outputIndex: 1) }
    }
}
