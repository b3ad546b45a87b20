import JSONSupport
import CNISpec
import Testing

@testable import NFTables
@testable import Overlay

@Suite("vxlan node firewall rule bodies")
struct NodeFirewallRulesTests {
    func text(_ rules: [[NFTStatement]]) -> String {
        JSONValue.array(rules.map { .array($0.map(\.json)) }).serialized()
    }

    @Test func forwardAcceptBetweenClusterCIDRsPerFamily() throws {
        let rules = try NodeFirewall.forwardAcceptRules(between: [
            try NFTPrefix("10.244.0.0/16"), try NFTPrefix("fd44::/56"), try NFTPrefix("10.245.1.9/16"),
        ])
        #expect(
            text(rules)
                == #"[[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"set":[{"prefix":{"addr":"10.244.0.0","len":16}},{"prefix":{"addr":"10.245.0.0","len":16}}]}}},{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"set":[{"prefix":{"addr":"10.244.0.0","len":16}},{"prefix":{"addr":"10.245.0.0","len":16}}]}}},{"accept":null}],"#
                + #"[{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":{"prefix":{"addr":"fd44::","len":56}}}},{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":{"prefix":{"addr":"fd44::","len":56}}}},{"accept":null}]]"#
        )
    }
}
