import Testing

@testable import NFTables

/// The JSON text each builder produces, exactly (libnftables' `nft -j` schema).
@Suite("nftables transaction JSON")
struct TransactionJSONTests {
    static let table = NFTTable(.inet, "swcni_t")
    static let forward = NFTChain(
        table: table, name: "forward", base: NFTBaseChain(type: .filter, hook: .forward, priority: 0))

    func text(_ build: (inout NFTablesTransaction) throws -> Void) rethrows -> String {
        var transaction = NFTablesTransaction()
        try build(&transaction)
        return transaction.text
    }

    @Test func tableCommands() {
        #expect(text { $0.add(Self.table) } == #"{"nftables":[{"add":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
        #expect(text { $0.create(Self.table) } == #"{"nftables":[{"create":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
        #expect(text { $0.flush(Self.table) } == #"{"nftables":[{"flush":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
        #expect(text { $0.delete(Self.table) } == #"{"nftables":[{"delete":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
    }

    @Test func replaceIsAddDeleteAdd() {
        #expect(
            text { $0.replace(Self.table) }
                == #"{"nftables":[{"add":{"table":{"family":"inet","name":"swcni_t"}}},{"delete":{"table":{"family":"inet","name":"swcni_t"}}},{"add":{"table":{"family":"inet","name":"swcni_t"}}}]}"#
        )
    }

    @Test func chainCommands() {
        #expect(
            text { $0.add(Self.forward) }
                == #"{"nftables":[{"add":{"chain":{"family":"inet","table":"swcni_t","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}}]}"#
        )
        let nat = NFTChain(
            table: Self.table, name: "post", base: NFTBaseChain(type: .nat, hook: .postrouting, priority: 100, policy: .accept))
        #expect(
            text { $0.create(nat) }
                == #"{"nftables":[{"create":{"chain":{"family":"inet","table":"swcni_t","name":"post","type":"nat","hook":"postrouting","prio":100,"policy":"accept"}}}]}"#
        )
        let regular = NFTChain(table: Self.table, name: "pods")
        #expect(text { $0.add(regular) } == #"{"nftables":[{"add":{"chain":{"family":"inet","table":"swcni_t","name":"pods"}}}]}"#)
        #expect(text { $0.flush(regular) } == #"{"nftables":[{"flush":{"chain":{"family":"inet","table":"swcni_t","name":"pods"}}}]}"#)
        #expect(text { $0.delete(Self.forward) } == #"{"nftables":[{"delete":{"chain":{"family":"inet","table":"swcni_t","name":"forward"}}}]}"#)
    }

    @Test func ruleWithCommentAndDeleteByHandle() {
        let rule = NFTRule(chain: Self.forward, statements: [.iifname("br0"), .counter, .accept], comment: "c")
        #expect(
            text { $0.add(rule) }
                == #"{"nftables":[{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","comment":"c","expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"br0"}},{"counter":null},{"accept":null}]}}}]}"#
        )
        #expect(
            text { $0.deleteRule(in: Self.forward, handle: 7) }
                == #"{"nftables":[{"delete":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","handle":7}}}]}"#
        )
    }

    @Test func setsMapsAndElements() throws {
        let set = NFTSet(table: Self.table, name: "pods4", keyType: ["ipv4_addr"], flags: [.interval])
        let map = NFTSet(table: Self.table, name: "dispatch", keyType: ["ipv4_addr"], mapsTo: "verdict")
        let concat = NFTSet(table: Self.table, name: "ports", keyType: ["ipv4_addr", "inet_service"])
        #expect(
            text { $0.add(set) }
                == #"{"nftables":[{"add":{"set":{"family":"inet","table":"swcni_t","name":"pods4","type":"ipv4_addr","flags":["interval"]}}}]}"#
        )
        #expect(
            text { $0.add(map) }
                == #"{"nftables":[{"add":{"map":{"family":"inet","table":"swcni_t","name":"dispatch","type":"ipv4_addr","map":"verdict"}}}]}"#
        )
        #expect(
            text { $0.add(concat) }
                == #"{"nftables":[{"add":{"set":{"family":"inet","table":"swcni_t","name":"ports","type":["ipv4_addr","inet_service"]}}}]}"#
        )
        #expect(text { $0.flush(map) } == #"{"nftables":[{"flush":{"map":{"family":"inet","table":"swcni_t","name":"dispatch"}}}]}"#)
        #expect(text { $0.delete(set) } == #"{"nftables":[{"delete":{"set":{"family":"inet","table":"swcni_t","name":"pods4"}}}]}"#)
        let net = try NFTPrefix("10.1.0.0/16")
        let host = try NFTPrefix("10.2.0.1")
        #expect(
            text { $0.add([NFTElement(.prefix(net)), NFTElement(.prefix(host))], to: set) }
                == #"{"nftables":[{"add":{"element":{"family":"inet","table":"swcni_t","name":"pods4","elem":[{"prefix":{"addr":"10.1.0.0","len":16}},"10.2.0.1"]}}}]}"#
        )
        #expect(
            text { $0.add([.verdict(.prefix(host), .accept), .verdict(.string("10.0.0.2"), .jump("pods"))], to: map) }
                == #"{"nftables":[{"add":{"element":{"family":"inet","table":"swcni_t","name":"dispatch","elem":[["10.2.0.1",{"accept":null}],["10.0.0.2",{"jump":{"target":"pods"}}]]}}}]}"#
        )
        #expect(
            text { $0.delete([NFTElement(.concat([.string("10.0.0.1"), .number(80)]))], from: concat) }
                == #"{"nftables":[{"delete":{"element":{"family":"inet","table":"swcni_t","name":"ports","elem":[{"concat":["10.0.0.1",80]}]}}}]}"#
        )
        #expect(text { $0.add([], to: set) } == #"{"nftables":[]}"#)
    }

    @Test func severalCommandsStayInOrderInOneDocument() {
        var transaction = NFTablesTransaction()
        transaction.add(Self.table)
        transaction.add(Self.forward)
        transaction.delete(Self.table)
        #expect(transaction.commands.count == 3)
        #expect(
            transaction.text
                == #"{"nftables":[{"add":{"table":{"family":"inet","name":"swcni_t"}}},{"add":{"chain":{"family":"inet","table":"swcni_t","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}},{"delete":{"table":{"family":"inet","name":"swcni_t"}}}]}"#
        )
    }
}
