import NFTables
import Netlink
import NodeDoctor
import Testing
import JSONSupport

@Suite("doctor: node checks")
struct NodeCheckTests {
    @Test func healthyNodeHasNoFindings() {
        #expect(Doctor.examine(Fixture.healthy) == [])
    }

    @Test func forwardingOffIsReportedOnlyWhenPodsAreRouted() {
        var s = Fixture.healthy
        s.sysctls["net/ipv4/ip_forward"] = "0"
        let found = ForwardingCheck.findings(s)
        #expect(found.map(\.check) == ["ip-forwarding-off"])
        #expect(found.first?.object == "net.ipv4.ip_forward")
        #expect(found.first?.fix.contains("sysctl -w net.ipv4.ip_forward=1") == true)
        // IPv6 forwarding off matters only with IPv6 pods.
        #expect(ForwardingCheck.findings(Fixture.healthy).isEmpty)
        var v6 = Fixture.healthy
        v6.pods[0].addresses.append(ip("fd00::2"))
        #expect(ForwardingCheck.findings(v6).map(\.object) == ["net.ipv6.conf.all.forwarding"])
        // A bridge without gateway and overlay does not route: forwarding is irrelevant.
        s.routesPodTraffic = false
        #expect(ForwardingCheck.findings(s).isEmpty)
    }

    @Test func bridgeMissingOrDown() {
        var s = Fixture.healthy
        s.updateLink("cni0") { $0.isUp = false }
        #expect(BridgeCheck.findings(s).map(\.check) == ["bridge-down"])
        s.links.removeAll { $0.name == "cni0" }
        #expect(BridgeCheck.findings(s).map(\.check) == ["bridge-missing"])
        var notBridge = Fixture.healthy
        notBridge.updateLink("cni0") { $0.kind = "dummy" }
        #expect(BridgeCheck.findings(notBridge).map(\.check) == ["bridge-missing"])
    }

    @Test func hostVethMissingDownOrDetached() {
        var s = Fixture.healthy
        s.updateLink("veth0000000a") { $0.isUp = false }
        s.updateLink("veth0000000b") { $0.masterIndex = nil }
        let found = BridgeCheck.findings(s)
        #expect(found.map(\.check) == ["veth-down", "veth-not-bridge-port"])
        #expect(found[0].object == "veth0000000a" && found[0].problem.contains("default/a"))
        #expect(found[1].evidence.contains("master none"))
        s.links.removeAll { $0.name == "veth0000000a" }
        #expect(BridgeCheck.findings(s).map(\.check) == ["veth-missing", "veth-not-bridge-port"])
        // A pod whose namespace is gone is the addressing check's business, not a missing veth.
        s.pods[0].netnsExists = false
        #expect(BridgeCheck.findings(s).map(\.check) == ["veth-not-bridge-port"])
    }

    @Test func strictReversePathFilterAloneIsNoFinding() {
        var s = Fixture.healthy
        s.sysctls["net/ipv4/conf/all/rp_filter"] = "1"
        #expect(ReversePathCheck.findings(s).isEmpty, "the pod path's routes are symmetric")
    }

    @Test func strictReversePathFilterWithAnAsymmetricRouteIsReported() {
        var s = Fixture.healthy
        s.routes.append(RouteState(destination: prefix("10.244.1.3/32"), outputIndex: Fixture.eth0))
        #expect(ReversePathCheck.findings(s).isEmpty, "loose or off rp_filter does not drop")
        s.sysctls["net/ipv4/conf/cni0/rp_filter"] = "1"
        let found = ReversePathCheck.findings(s)
        #expect(found.map(\.check) == ["rp-filter-strict"])
        #expect(found.first?.object == "net.ipv4.conf.cni0.rp_filter")
        #expect(found.first?.evidence.contains("10.244.1.3/32 dev eth0") == true)
        // Loose (2) in `all` with strict on the device: the larger value, 2, applies.
        s.sysctls["net/ipv4/conf/all/rp_filter"] = "2"
        #expect(ReversePathCheck.findings(s).isEmpty)
    }

    @Test func strictReversePathFilterOnTheVtep() {
        var s = Fixture.healthy
        s.sysctls["net/ipv4/conf/all/rp_filter"] = "1"
        s.routes.removeAll { $0.destination == prefix("10.244.2.0/24") }
        let found = ReversePathCheck.findings(s)
        #expect(found.map(\.check) == ["rp-filter-strict"])
        #expect(found.first?.problem.contains("node2") == true)
    }

    @Test func foreignDropChainWithoutOurRulesIsReportedWithCounters() {
        var s = Fixture.healthy
        let open = NFTAttachment(network: "net", containerID: "ctr-a", ifname: "eth0").key
        s.foreignForwardChains = [
            ForwardChain(family: "ip", table: "filter", chain: "FORWARD", dropsByDefault: true, policyPackets: 7, policyBytes: 588,
                         openedAttachmentKeys: [open]),
            ForwardChain(family: "ip6", table: "filter", chain: "FORWARD", dropsByDefault: true),
            ForwardChain(family: "inet", table: "host", chain: "fwd", dropsByDefault: false),
        ]
        let found = ForeignFirewallCheck.findings(s)
        #expect(found.map(\.object) == ["ip filter FORWARD"], "ip6 carries no IPv4 pod; accept policy drops nothing")
        #expect(found.first?.evidence.contains("7 packets / 588 bytes") == true)
        #expect(found.first?.evidence.contains("1 pod(s)") == true)
        #expect(found.first?.evidence.contains("ctr-b") == true)
        s.foreignForwardChains[0].openedAttachmentKeys.insert(NFTAttachment(network: "net", containerID: "ctr-b", ifname: "eth0").key)
        #expect(ForeignFirewallCheck.findings(s).isEmpty, "the firewall plugin opened the chain for every pod")
    }

    @Test func findingsPrintAsOneJSONObjectPerLine() {
        let f = Finding(check: "c", network: "n", object: "o", problem: "p \"q\"", evidence: "e", fix: "f")
        #expect(f.json.serialized() == #"{"check":"c","network":"n","object":"o","problem":"p \"q\"","evidence":"e","fix":"f"}"#)
        #expect(f.text == "[c] n: p \"q\"\n    evidence: e\n    fix:      f")
    }
}

@Suite("doctor: what a foreign chain's rules accept")
struct AcceptRuleTests {
    func expr(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func readsAddressAcceptsOnly() throws {
        let saddr = #"{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.244.0.0", "len": 16}}}}"#
        let daddr = #"{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.244.1.5"}}"#
        let iif = #"{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "eth0"}}"#
        let counter = #"{"counter": {"packets": 0, "bytes": 0}}"#
        #expect(AcceptRule.read(try expr("[\(saddr), \(counter), {\"accept\": null}]")) == .source(prefix("10.244.0.0/16")))
        #expect(AcceptRule.read(try expr("[\(daddr), {\"accept\": null}]")) == .destination(prefix("10.244.1.5/32")))
        #expect(AcceptRule.read(try expr("[\(counter), {\"accept\": null}]")) == .everything)
        #expect(AcceptRule.read(try expr("[\(iif), {\"accept\": null}]")) == .nothing)
        #expect(AcceptRule.read(try expr("[\(saddr), \(daddr), {\"accept\": null}]")) == .nothing)
        #expect(AcceptRule.read(try expr("[\(saddr), {\"drop\": null}]")) == .nothing)
        #expect(AcceptRule.read(try expr("[\(saddr), {\"jump\": {\"target\": \"DOCKER\"}}]")) == .nothing)
        #expect(AcceptRule.read(.null) == .nothing, "a netlink-dump rule has no expressions")
    }

    @Test func anAdminAcceptForThePodCIDRIsNoFinding() {
        var s = Fixture.healthy
        s.foreignForwardChains = [ForwardChain(family: "ip", table: "filter", chain: "FORWARD", dropsByDefault: true,
                                               accepts: [.nothing, .source(prefix("10.244.1.3/32")), .destination(prefix("10.244.1.3/32"))])]
        #expect(ForeignFirewallCheck.findings(s).first?.evidence.contains("1 pod(s)") == true, "only pod a is still exposed")
        s.foreignForwardChains[0].accepts.append(.source(prefix("10.244.0.0/16")))
        #expect(ForeignFirewallCheck.findings(s).first?.evidence.contains("1 pod(s)") == true, "replies to pod a are still dropped")
        s.foreignForwardChains[0].accepts.append(.destination(prefix("10.244.0.0/16")))
        #expect(ForeignFirewallCheck.findings(s).isEmpty)
        s.foreignForwardChains[0].accepts = [.everything]
        #expect(ForeignFirewallCheck.findings(s).isEmpty)
        s.foreignForwardChains[0].accepts = [.source(prefix("fd00::/8")), .destination(prefix("fd00::/8"))]
        #expect(ForeignFirewallCheck.findings(s).count == 1, "an IPv6 accept opens nothing for IPv4 pods")
    }
}
