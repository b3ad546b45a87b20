import Testing

@testable import BridgePlugin
@testable import NFTables
import JSONSupport

@Suite("bridge firewall rule bodies")
struct BridgeRulesTests {
    func text(_ rules: [[NFTStatement]]) -> String {
        JSONValue.array(rules.map { .array($0.map(\.json)) }).serialized()
    }

    @Test func forwardAcceptByBridge() throws {
        #expect(
            text(try BridgeFirewall.forwardAcceptRules(bridge: "cni0"))
                == #"[[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"cni0"}},{"accept":null}],[{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"cni0"}},{"accept":null}]]"#
        )
        #expect(throws: NFTablesError.self) { try BridgeFirewall.forwardAcceptRules(bridge: "a-name-longer-than-15") }
        #expect(throws: NFTablesError.self) { try BridgeFirewall.forwardAcceptRules(bridge: "") }
    }

    @Test func masqueradeLeavesPodToPodAndMulticastAlone() throws {
        let rules = try BridgeFirewall.masqueradeRules(
            podAddresses: [try NFTPrefix("10.1.0.5/24"), try NFTPrefix("fd00::5/64")],
            excluding: [try NFTPrefix("10.244.0.0/16"), try NFTPrefix("10.1.0.0/24")])
        #expect(
            text(rules)
                == #"[[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"10.1.0.5"}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"10.1.0.0","len":24}}}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"10.244.0.0","len":16}}}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"224.0.0.0","len":4}}}},{"counter":null},{"masquerade":null}],"#
                + #"[{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":"fd00::5"}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":{"prefix":{"addr":"fd00::","len":64}}}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":{"prefix":{"addr":"ff00::","len":8}}}},{"counter":null},{"masquerade":null}]]"#
        )
        #expect(throws: NFTablesError.self) { try BridgeFirewall.masqueradeRules(podAddresses: []) }
    }

    @Test func macSpoofCheck() throws {
        #expect(
            text(try BridgeFirewall.macSpoofRules(hostInterface: "veth1234", mac: "0a:58:0A:01:00:05"))
                == #"[[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"veth1234"}},{"match":{"op":"!=","left":{"payload":{"protocol":"ether","field":"saddr"}},"right":"0a:58:0a:01:00:05"}},{"counter":null},{"drop":null}]]"#
        )
        for bad in ["0a:58:0a:01:00", "0a:58:0a:01:00:zz", "0a-58-0a-01-00-05", ""] {
            #expect(throws: NFTablesError.self) { try BridgeFirewall.macSpoofRules(hostInterface: "veth1", mac: bad) }
        }
    }

    /// The label `NFTOwnedTable` writes into a forward accept's comment names its bridge.
    @Test func forwardAcceptCommentsNameTheirBridge() {
        #expect(BridgeFirewall.bridge(inComment: "swcni n=0123456789abcdef h=01234567 br=cni-podman1 net") == "cni-podman1")
        #expect(BridgeFirewall.bridge(inComment: "swcni n=0123456789abcdef h=01234567 net") == nil)
    }

    @Test func chainsAndTables() throws {
        let firewall = try BridgeFirewall(lockPath: nil)
        var transaction = NFTablesTransaction()
        transaction.add(firewall.forwardChain)
        transaction.add(firewall.postroutingChain)
        transaction.add(firewall.spoofChain)
        #expect(
            transaction.text
                == #"{"nftables":[{"add":{"chain":{"family":"inet","table":"swcni_bridge","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_bridge","name":"postrouting","type":"nat","hook":"postrouting","prio":100,"policy":"accept"}}},"#
                + #"{"add":{"chain":{"family":"bridge","table":"swcni_spoof","name":"prerouting","type":"filter","hook":"prerouting","prio":-300,"policy":"accept"}}}]}"#)
    }
}
