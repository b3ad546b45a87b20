import Foundation
import Testing

/// Every bridge option observably changes kernel state, read back with ip / bridge / nft
/// inside the host namespace (or sysctl inside the container).
@Suite("bridge options", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeOptionsTests {
    /// `bridge -j link show dev <port>` of the host namespace.
    static func port(_ h: BridgeTestHost, _ name: String) throws -> [String: Any] {
        let entries = try h.json(["bridge", "-j", "-d", "link", "show", "dev", name]) as? [[String: Any]] ?? []
        return entries.first ?? [:]
    }

    /// VLANs of a port: [(vid, pvid, untagged)].
    static func vlans(_ h: BridgeTestHost, _ name: String) throws -> [(Int, Bool, Bool)] {
        let entries = try h.json(["bridge", "-j", "vlan", "show", "dev", name]) as? [[String: Any]] ?? []
        return entries.flatMap { entry in
            (entry["vlans"] as? [[String: Any]] ?? []).map { v in
                let flags = v["flags"] as? [String] ?? []
                return (v["vlan"] as? Int ?? -1, flags.contains("PVID"), flags.contains("Egress Untagged"))
            }
        }
    }

    static func containerSysctl(_ ns: TestNamespace, _ key: String) throws -> String {
        try ns.run(["cat", "/proc/sys/\(key)"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func mtuAppliesToBridgeAndBothVethEnds() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(h.config(#""mtu":1400"#, ipam: h.ipam(v6: nil)), container: c)
            #expect((try h.link(h.bridge))?["mtu"] as? Int == 1400)
            #expect((try h.link(try #require(out.hostVeth)))?["mtu"] as? Int == 1400)
            #expect((try c.link("eth0"))?["mtu"] as? Int == 1400)
        }
    }

    @Test func isGatewayPutsGatewaysOnTheBridgeAndEnablesForwarding() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            #expect(try h.host.run(["cat", "/proc/sys/net/ipv4/ip_forward"]).hasPrefix("0"))
            let out = try h.add(h.config(#""isGateway":true"#, ipam: h.ipam()), container: c)
            #expect(Set(try h.hostAddresses(h.bridge)) == ["10.88.0.1/24", "fd88::1/64"])
            #expect(try h.host.run(["cat", "/proc/sys/net/ipv4/ip_forward"]).hasPrefix("1"))
            #expect(try h.host.run(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]).hasPrefix("1"))
            // Gateways are reported, but without isDefaultGateway no default route is added.
            let ips = out.json?["ips"] as? [[String: Any]] ?? []
            #expect(ips.compactMap { $0["gateway"] as? String } == ["10.88.0.1", "fd88::1"])
            #expect(try c.run(["ip", "route", "show", "default"]).isEmpty)
            // The bridge MAC is pinned (it no longer follows its ports).
            let bridgeMAC = (try h.link(h.bridge))?["address"] as? String
            let c2 = try h.newContainer()
            try h.add(h.config(#""isGateway":true"#, ipam: h.ipam()), container: c2, containerID: "ctr2")
            #expect((try h.link(h.bridge))?["address"] as? String == bridgeMAC)
        }
    }

    @Test func withoutIsGatewayTheBridgeHasNoAddress() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try h.add(h.config(ipam: h.ipam()), container: c)
            #expect(try h.hostAddresses(h.bridge).isEmpty)
            #expect(try h.addressList(c, "eth0") == ["10.88.0.2/24", "fd88::2/64"])
        }
    }

    @Test func hairpinModeAndPortIsolation() throws {
        try BridgeTestHost.with { h in
            let c1 = try h.newContainer()
            let c2 = try h.newContainer()
            let plain = try h.add(h.config(ipam: h.ipam(v6: nil)), container: c1, containerID: "c1")
            let set = try h.add(
                h.config(#""hairpinMode":true,"portIsolation":true"#, ipam: h.ipam(v6: nil)), container: c2, containerID: "c2")
            let p1 = try Self.port(h, try #require(plain.hostVeth))
            let p2 = try Self.port(h, try #require(set.hostVeth))
            #expect(p1["hairpin"] as? Bool == false && p1["isolated"] as? Bool == false)
            #expect(p2["hairpin"] as? Bool == true && p2["isolated"] as? Bool == true)
        }
    }

    /// Isolated ports talk to the bridge (gateway) but not to each other.
    @Test func portIsolationBlocksPodToPodButNotTheGateway() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true,"portIsolation":true"#, ipam: h.ipam(v6: nil))
            let a = try h.newContainer()
            let b = try h.newContainer()
            try h.add(config, container: a, containerID: "a")
            try h.add(config, container: b, containerID: "b")
            #expect(try h.ping(from: a, "10.88.0.1"), "gateway reachable")
            #expect(try !h.ping(from: a, "10.88.0.3", timeout: 1), "isolated ports do not reach each other")
        }
    }

    @Test func promiscMode() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try h.add(h.config(#""promiscMode":true"#, ipam: h.ipam(v6: nil)), container: c)
            let flags = (try h.link(h.bridge))?["flags"] as? [String] ?? []
            #expect(flags.contains("PROMISC"))
        }
    }

    @Test(.enabled(if: BridgeTestHost.kernelSupportsVLANFiltering, "kernel without CONFIG_BRIDGE_VLAN_FILTERING"))
    func accessVLANTurnsOnFilteringAndSetsPVIDUntagged() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(h.config(#""vlan":100"#, ipam: h.ipam(v6: nil)), container: c)
            let info = ((try h.link(h.bridge))?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(info?["vlan_filtering"] as? Int == 1)
            let vlans = try Self.vlans(h, try #require(out.hostVeth))
            #expect(vlans.contains { $0 == (100, true, true) })
            // preserveDefaultVlan defaults to true, as in the reference: VLAN 1 stays (not PVID any more).
            #expect(vlans.contains { $0.0 == 1 })
        }
    }

    @Test(.enabled(if: BridgeTestHost.kernelSupportsVLANFiltering, "kernel without CONFIG_BRIDGE_VLAN_FILTERING"))
    func vlanTrunkWithoutTheDefaultVLAN() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(
                h.config(#""vlanTrunk":[{"id":42},{"minID":200,"maxID":202}],"preserveDefaultVlan":false"#, ipam: h.ipam(v6: nil)),
                container: c)
            let vlans = try Self.vlans(h, try #require(out.hostVeth))
            #expect(vlans.map(\.0).sorted() == [42, 200, 201, 202])
            #expect(vlans.allSatisfy { !$0.1 && !$0.2 }, "trunk VLANs are tagged")
        }
    }

    @Test(.enabled(if: BridgeTestHost.kernelSupportsVLANFiltering, "kernel without CONFIG_BRIDGE_VLAN_FILTERING"))
    func vlanWithIsGatewayPutsTheGatewayOnBridgeDotVLAN() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(h.config(#""vlan":7,"isDefaultGateway":true"#, ipam: h.ipam(v6: nil)), container: c)
            let gatewayName = "\(h.bridge).7"
            #expect(out.interfaceNames.contains(gatewayName))
            #expect(try h.hostAddresses(gatewayName) == ["10.88.0.1/24"])
            #expect(try h.ping(from: c, "10.88.0.1"), "gateway on VLAN 7 reachable")
        }
    }

    @Test(.enabled(if: !BridgeTestHost.kernelSupportsVLANFiltering))
    func vlanOnAKernelWithoutVLANFilteringFailsClearlyAndLeavesNothing() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let before = try h.snapshot()
            let out = try h.exec("ADD", config: h.config(#""vlan":100"#, ipam: h.ipam(v6: nil)), container: c)
            #expect(out.code == 999, "\(out.summary)")
            #expect(out.json?["msg"] as? String == "this kernel does not support VLAN filtering on bridges")
            #expect(try h.snapshot() == before)
            #expect(try c.link("eth0") == nil)
        }
    }

    @Test func enabledadAndDefaultDADSysctls() throws {
        try BridgeTestHost.with { h in
            let off = try h.newContainer()
            let on = try h.newContainer()
            try h.add(h.config(ipam: h.ipam()), container: off, containerID: "off")
            try h.add(h.config(#""enabledad":true"#, ipam: h.ipam()), container: on, containerID: "on")
            #expect(try Self.containerSysctl(off, "net/ipv6/conf/eth0/accept_dad") == "0")
            #expect(try Self.containerSysctl(on, "net/ipv6/conf/eth0/accept_dad") == "1")
            #expect(try Self.containerSysctl(on, "net/ipv6/conf/eth0/enhanced_dad") == "1")
            #expect(try Self.containerSysctl(off, "net/ipv4/conf/eth0/arp_notify") == "1")
            // Without DAD the address is usable at once (no "tentative" flag).
            #expect(!(try off.run(["ip", "-6", "addr", "show", "dev", "eth0"]).contains("tentative")))
        }
    }

    @Test func macspoofchkRuleCarriesTheContainerMAC() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(h.config(#""macspoofchk":true"#, ipam: h.ipam(v6: nil)), container: c)
            let mac = try #require((try c.link("eth0"))?["address"] as? String)
            let rules = try h.host.run(["nft", "list", "table", "bridge", "swcni_spoof"])
            #expect(rules.contains("iifname \"\(try #require(out.hostVeth))\" ether saddr != \(mac)"))
            #expect(rules.contains("drop"))
            try h.exec("DEL", config: h.config(#""macspoofchk":true"#, ipam: h.ipam(v6: nil)), container: c).expectSuccess()
            #expect(!(try h.ruleset().contains("swcni_spoof")))
        }
    }

    @Test func ipMasqMasqueradesOnlyTrafficLeavingThePodNetwork() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try h.add(h.config(#""isDefaultGateway":true,"ipMasq":true"#, ipam: h.ipam()), container: c)
            let rules = try h.host.run(["nft", "list", "table", "inet", "swcni_bridge"])
            #expect(rules.contains("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 ip daddr != 224.0.0.0/4"))
            #expect(rules.contains("ip6 saddr fd88::2 ip6 daddr != fd88::/64 ip6 daddr != ff00::/8"))
            #expect(rules.contains("masquerade"))
            #expect(rules.contains("iifname \"\(h.bridge)\" accept"), "NAT-free forward accept for the bridge")
        }
    }

    /// An "outside" namespace joined to the host by a veth, with no route back to the pods:
    /// the pod reaches it only when its traffic is masqueraded to the host's address.
    @Test(arguments: [true, false])
    func ipMasqIsWhatLetsAPodReachTheOutside(_ masquerade: Bool) throws {
        try BridgeTestHost.with { h in
            let outside = try h.newContainer()
            let hostEnd = "o\(h.bridge)"
            try h.host.run(["ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "uplink", "netns", outside.name])
            try h.host.run(["ip", "addr", "add", "192.168.231.2/24", "dev", hostEnd])
            try h.host.run(["ip", "link", "set", hostEnd, "up"])
            try outside.run(["ip", "addr", "add", "192.168.231.1/24", "dev", "uplink"])
            try outside.run(["ip", "link", "set", "uplink", "up"])
            let c = try h.newContainer()
            try h.add(h.config(#""isDefaultGateway":true,"ipMasq":\#(masquerade)"#, ipam: h.ipam(v6: nil)), container: c)
            #expect(try h.ping(from: c, "192.168.231.1") == masquerade, "ipMasq \(masquerade)")
            #expect(try h.ping(from: h.host, "192.168.231.1"), "the outside itself is reachable from the host")
        }
    }

    @Test func ipMasqBackendIPTablesIsRefusedWithCode2() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let before = try h.snapshot()
            let out = try h.exec("ADD", config: h.config(#""ipMasq":true,"ipMasqBackend":"iptables""#, ipam: h.ipam()), container: c)
            #expect(out.code == 2, "\(out.summary)")
            #expect(try h.snapshot() == before)
        }
    }

    @Test func disableContainerInterfaceLeavesTheContainerEndDown() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let out = try h.add(h.config(#""disableContainerInterface":true"#), container: c)
            let flags = (try c.link("eth0"))?["flags"] as? [String] ?? []
            #expect(!flags.contains("UP"))
            #expect((out.json?["ips"] as? [Any] ?? []).isEmpty)
            #expect((try h.link(try #require(out.hostVeth)))?["master"] as? String == h.bridge)
        }
    }

    @Test func requestedMACFromRuntimeConfigArgsAndCNIArgs() throws {
        try BridgeTestHost.with { h in
            let c1 = try h.newContainer()
            let c2 = try h.newContainer()
            let c3 = try h.newContainer()
            try h.add(h.config(#""runtimeConfig":{"mac":"0a:58:0a:00:00:11"}"#), container: c1, containerID: "m1")
            try h.add(h.config(#""args":{"cni":{"mac":"0a:58:0a:00:00:12"}}"#), container: c2, containerID: "m2")
            try h.add(h.config(), container: c3, containerID: "m3", args: "IgnoreUnknown=1;MAC=0a:58:0a:00:00:13")
            #expect((try c1.link("eth0"))?["address"] as? String == "0a:58:0a:00:00:11")
            #expect((try c2.link("eth0"))?["address"] as? String == "0a:58:0a:00:00:12")
            #expect((try c3.link("eth0"))?["address"] as? String == "0a:58:0a:00:00:13")
        }
    }

    @Test func forceAddressReplacesADifferentGateway() throws {
        try BridgeTestHost.with { h in
            let first = try h.newContainer()
            try h.add(h.config(#""isGateway":true"#, ipam: h.ipam(v4: "10.77.0.0/24", v6: nil)), container: first, containerID: "f1")
            #expect(try h.hostAddresses(h.bridge) == ["10.77.0.1/24"])
            // Same bridge, another subnet: refused without forceAddress ...
            let second = try h.newContainer()
            let other = h.ipam(v4: "10.78.0.0/24", v6: nil)
            let refused = try h.exec("ADD", config: h.config(#""isGateway":true"#, ipam: other), container: second, containerID: "f2")
            #expect(refused.code == 7, "\(refused.summary)")
            #expect(refused.json?["msg"] as? String == "\"\(h.bridge)\" already has an IP address different from 10.78.0.1/24")
            // ... and replaced with it.
            try h.add(h.config(#""isGateway":true,"forceAddress":true"#, ipam: other), container: second, containerID: "f2")
            #expect(try h.hostAddresses(h.bridge) == ["10.78.0.1/24"])
        }
    }

    @Test func aNonBridgeWithTheBridgeNameIsRefused() throws {
        try BridgeTestHost.with { h in
            try h.host.run(["ip", "link", "add", h.bridge, "type", "veth", "peer", "name", "\(h.bridge)p"])
            let c = try h.newContainer()
            let out = try h.exec("ADD", config: h.config(ipam: h.ipam()), container: c)
            #expect(out.code == 7, "\(out.summary)")
            #expect(out.json?["msg"] as? String == "\"\(h.bridge)\" already exists but is not a bridge")
            #expect(try h.hostVeths().sorted() == [h.bridge, "\(h.bridge)p"].sorted(), "only the test's own veth pair")
            #expect(try h.reservations().isEmpty)
        }
    }

    @Test func anExistingContainerInterfaceNameIsRefused() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try c.run(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0peer"])
            let out = try h.exec("ADD", config: h.config(ipam: h.ipam()), container: c)
            #expect(out.code == 4, "\(out.summary)")
            #expect(out.json?["msg"] as? String == "container veth name provided (eth0) already exists")
            #expect(try h.hostVeths().isEmpty && h.reservations().isEmpty)
            #expect(try c.link("eth0") != nil && c.link("eth0peer") != nil, "the existing interface is left alone")
        }
    }
}

extension PluginExec.Output {
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "\(summary)", sourceLocation: sourceLocation)
    }
}
