import Testing

@testable import NFTables

@Suite("nftables statement JSON")
struct StatementJSONTests {
    func json(_ s: NFTStatement) -> String { s.json.serialized() }

    @Test func addressMatches() throws {
        #expect(
            json(.saddr(try NFTPrefix("10.1.0.0/24")))
                == #"{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"10.1.0.0","len":24}}}}"#
        )
        #expect(
            json(.daddr(try NFTPrefix("fd00::5"), negated: true))
                == #"{"match":{"op":"!=","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":"fd00::5"}}"#
        )
        #expect(
            json(try .daddr(anyOf: [try NFTPrefix("10.0.0.0/8"), try NFTPrefix("224.0.0.0/4")], negated: true))
                == #"{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"set":[{"prefix":{"addr":"10.0.0.0","len":8}},{"prefix":{"addr":"224.0.0.0","len":4}}]}}}"#
        )
        #expect(
            json(.saddr(inSet: "pods6", family: .ipv6))
                == #"{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"saddr"}},"right":"@pods6"}}"#
        )
        #expect(throws: NFTablesError.self) { try NFTStatement.saddr(anyOf: [try NFTPrefix("10.0.0.1"), try NFTPrefix("fd00::1")]) }
        #expect(throws: NFTablesError.self) { try NFTStatement.saddr(anyOf: []) }
    }

    @Test func interfaceEtherConntrackAndPorts() throws {
        #expect(json(.iifname("br0")) == #"{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"br0"}}"#)
        #expect(json(.oifname("br0", negated: true)) == #"{"match":{"op":"!=","left":{"meta":{"key":"oifname"}},"right":"br0"}}"#)
        #expect(
            json(.etherSaddr("0A:58:0A:01:00:05", negated: true))
                == #"{"match":{"op":"!=","left":{"payload":{"protocol":"ether","field":"saddr"}},"right":"0a:58:0a:01:00:05"}}"#
        )
        #expect(
            json(.ctState([.established, .related]))
                == #"{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}}"#
        )
        #expect(json(.l4proto("tcp")) == #"{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}}"#)
        #expect(
            json(try .thDport([.single(80)]))
                == #"{"match":{"op":"==","left":{"payload":{"protocol":"th","field":"dport"}},"right":80}}"#
        )
        #expect(
            json(try .thDport([.single(80), .range(1000, 2000)]))
                == #"{"match":{"op":"==","left":{"payload":{"protocol":"th","field":"dport"}},"right":{"set":[80,{"range":[1000,2000]}]}}}"#
        )
        #expect(throws: NFTablesError.self) { try NFTStatement.thDport([.single(70000)]) }
        #expect(throws: NFTablesError.self) { try NFTStatement.thDport([.range(90, 80)]) }
    }

    @Test func verdictsAndActions() {
        #expect(json(.counter) == #"{"counter":null}"#)
        #expect(json(.accept) == #"{"accept":null}"#)
        #expect(json(.drop) == #"{"drop":null}"#)
        #expect(json(.return) == #"{"return":null}"#)
        #expect(json(.jump("pod-a")) == #"{"jump":{"target":"pod-a"}}"#)
        #expect(json(.goto("pod-b")) == #"{"goto":{"target":"pod-b"}}"#)
        #expect(json(.masquerade) == #"{"masquerade":null}"#)
        #expect(json(.nflog(group: 5, prefix: "np drop ")) == #"{"log":{"prefix":"np drop ","group":5}}"#)
        #expect(
            json(.vmap(key: .payload(protocol: "ip", field: "daddr"), map: .named("dispatch")))
                == #"{"vmap":{"key":{"payload":{"protocol":"ip","field":"daddr"}},"data":"@dispatch"}}"#
        )
    }
}
