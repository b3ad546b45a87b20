import CNISpec
import Testing

@testable import BridgePlugin

@Suite("Gateway plan and result")
struct GatewayPlanTests {
    let dualStack = CNIResult(
        ips: [.init(address: "10.22.0.5/16"), .init(address: "fd00:22::5/64")],
        routes: [.init(dst: "192.168.0.0/16", gw: "10.22.0.254")])

    @Test func noGatewayOptionsKeepIPAMAsIs() throws {
        let plan = try GatewayPlan.compute(ipam: dualStack, config: try Fixture.config())
        #expect(plan.ips.map(\.gateway) == [nil, nil])
        #expect(plan.ips.map(\.interface) == [2, 2])
        #expect(plan.routes == dualStack.routes)
        #expect(plan.bridgeAddresses.isEmpty)
    }

    @Test func isGatewayUsesSubnetPlusOnePerFamily() throws {
        let plan = try GatewayPlan.compute(ipam: dualStack, config: try Fixture.config(#""isGateway":true"#))
        #expect(plan.ips.map(\.gateway) == ["10.22.0.1", "fd00:22::1"])
        #expect(plan.bridgeAddresses.map(\.description) == ["10.22.0.1/16", "fd00:22::1/64"])
        #expect(plan.bridgeAddressesV4.count == 1 && plan.bridgeAddressesV6.count == 1)
        #expect(plan.routes == dualStack.routes)
    }

    @Test func isGatewayKeepsIPAMGateway() throws {
        let ipam = CNIResult(ips: [.init(address: "10.22.0.5/24", gateway: "10.22.0.254")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isGateway":true"#))
        #expect(plan.ips[0].gateway == "10.22.0.254")
        #expect(plan.bridgeAddresses.map(\.description) == ["10.22.0.254/24"])
    }

    @Test func ipamGatewayWithoutIsGatewayIsNotPutOnTheBridge() throws {
        let ipam = CNIResult(ips: [.init(address: "10.22.0.5/24", gateway: "10.22.0.254")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config())
        #expect(plan.ips[0].gateway == "10.22.0.254")
        #expect(plan.bridgeAddresses.isEmpty)
    }

    @Test func isDefaultGatewayAddsOneDefaultRoutePerFamily() throws {
        let ipam = CNIResult(
            ips: [.init(address: "10.22.0.5/16"), .init(address: "10.23.0.5/16"), .init(address: "fd00:22::5/64")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isDefaultGateway":true"#))
        #expect(plan.routes == [.init(dst: "0.0.0.0/0", gw: "10.22.0.1"), .init(dst: "::/0", gw: "fd00:22::1")])
        #expect(plan.bridgeAddresses.map(\.description) == ["10.22.0.1/16", "10.23.0.1/16", "fd00:22::1/64"])
    }

    @Test func isDefaultGatewayKeepsAnIPAMDefaultRouteWithGateway() throws {
        let ipam = CNIResult(
            ips: [.init(address: "10.22.0.5/16"), .init(address: "fd00:22::5/64")],
            routes: [.init(dst: "0.0.0.0/0", gw: "10.22.0.99")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isDefaultGateway":true"#))
        #expect(plan.routes == [.init(dst: "0.0.0.0/0", gw: "10.22.0.99"), .init(dst: "::/0", gw: "fd00:22::1")])
    }

    @Test func anIPAMDefaultRouteWithoutGatewayDoesNotCount() throws {
        let ipam = CNIResult(ips: [.init(address: "10.22.0.5/16")], routes: [.init(dst: "0.0.0.0/0")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isDefaultGateway":true"#))
        #expect(plan.routes == [.init(dst: "0.0.0.0/0"), .init(dst: "0.0.0.0/0", gw: "10.22.0.1")])
    }

    @Test func sameGatewayIsAddedToTheBridgeOnce() throws {
        let ipam = CNIResult(ips: [.init(address: "10.22.0.5/16"), .init(address: "10.22.0.6/16")])
        let plan = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isGateway":true"#))
        #expect(plan.bridgeAddresses.map(\.description) == ["10.22.0.1/16"])
    }

    @Test func invalidIPAMOutputIsRejected() throws {
        let bad = CNIResult(ips: [.init(address: "10.22.0.5")])
        #expect(throws: CNIError.self) { try GatewayPlan.compute(ipam: bad, config: try Fixture.config()) }
        let badGateway = CNIResult(ips: [.init(address: "10.22.0.5/16", gateway: "fd00::1")])
        #expect(throws: CNIError.self) { try GatewayPlan.compute(ipam: badGateway, config: try Fixture.config()) }
    }

    @Test func gatewayEqualToContainerAddressIsAnError() throws {
        let ipam = CNIResult(ips: [.init(address: "10.22.0.1/16")])
        do {
            _ = try GatewayPlan.compute(ipam: ipam, config: try Fixture.config(#""isGateway":true"#))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidNetworkConfig)
        }
    }

    @Test func resultHasThreeInterfacesAndConfigDNSWins() throws {
        let config = try Fixture.config(#""isGateway":true,"dns":{"nameservers":["10.0.0.53"]}"#)
        let plan = try GatewayPlan.compute(ipam: dualStack, config: config)
        let result = BridgeResult.assemble(
            bridge: .init(name: "cni0", mac: "0a:00:00:00:00:01"), hostVeth: .init(name: "veth01234567", mac: "0a:00:00:00:00:02"),
            container: .init(name: "eth0", mac: "0a:00:00:00:00:03", sandbox: "/run/netns/x"), plan: plan,
            ipamDNS: .init(nameservers: ["1.1.1.1"]), config: config)
        #expect(result.interfaces.map(\.name) == ["cni0", "veth01234567", "eth0"])
        #expect(result.interfaces[2].sandbox == "/run/netns/x")
        #expect(result.ips.allSatisfy { $0.interface == 2 })
        #expect(result.dns.nameservers == ["10.0.0.53"])
        let noOverride = BridgeResult.assemble(
            bridge: .init(name: "cni0"), hostVeth: .init(name: "v"), container: .init(name: "eth0"), plan: plan,
            ipamDNS: .init(nameservers: ["1.1.1.1"]), config: try Fixture.config())
        #expect(noOverride.dns.nameservers == ["1.1.1.1"])
    }

    @Test func layer2ResultHasNoAddresses() throws {
        let result = BridgeResult.assemble(
            bridge: .init(name: "cni0"), hostVeth: .init(name: "v"), container: .init(name: "eth0"), plan: nil,
            ipamDNS: nil, config: try Fixture.config())
        #expect(result.ips.isEmpty && result.routes.isEmpty && result.interfaces.count == 3)
    }
}
