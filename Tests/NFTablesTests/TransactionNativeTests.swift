import Testing

@testable import NFTables

/// `nativeText`: the native-syntax rendering of a transaction, exactly; the same commands
/// as the JSON form, in the same order.
@Suite("nftables transaction native syntax")
struct TransactionNativeTests {
    static let table = NFTTable(.inet, "swcni_t")
    static let forward = NFTChain(table: table, name: "forward", base: NFTBaseChain(type: .filter, hook: .forward, priority: 0))
    static let peers = NFTSet(table: table, name: "peers", keyType: ["ipv4_addr"], flags: [.interval])
    static let dispatch = NFTSet(table: table, name: "dispatch", keyType: ["ipv4_addr"], mapsTo: "verdict")

    @Test func aReplacedTableIsOneBlock() throws {
        var tx = NFTablesTransaction()
        tx.replace(Self.table)
        tx.add(Self.peers)
        tx.add(Self.dispatch)
        tx.add(Self.forward)
        tx.add(NFTChain(table: Self.table, name: "pod"))
        tx.add(NFTRule(chain: Self.forward, statements: [.iifname("cni0"), .accept], comment: "a \"b\""))
        tx.add(NFTRule(chain: NFTChain(table: Self.table, name: "pod"), statements: [.drop]))
        tx.add([NFTElement(.prefix(try NFTPrefix("10.1.0.0/16")))], to: Self.peers)
        tx.add([NFTElement.verdict(.string("10.1.0.5"), .jump("pod"))], to: Self.dispatch)
        #expect(tx.commandCount == 11)
        #expect(tx.nativeText == """
            add table inet swcni_t
            delete table inet swcni_t
            table inet swcni_t {
            \tset peers {
            \t\ttype ipv4_addr
            \t\tflags interval
            \t\telements = { 10.1.0.0/16 }
            \t}
            \tmap dispatch {
            \t\ttype ipv4_addr : verdict
            \t\telements = { 10.1.0.5 : jump pod }
            \t}
            \tchain forward {
            \t\ttype filter hook forward priority 0; policy accept;
            \t\tmeta iifname cni0 accept comment "a 'b'"
            \t}
            \tchain pod {
            \t\tdrop
            \t}
            }

            """)
    }

    @Test func otherCommandsAreOneLineEach() throws {
        var tx = NFTablesTransaction()
        tx.add(Self.forward)
        tx.delete([NFTElement(.string("10.1.0.5"))], from: Self.peers)
        tx.flush(NFTChain(table: Self.table, name: "pod"))
        tx.delete(NFTChain(table: Self.table, name: "pod"))
        tx.deleteRule(in: Self.forward, handle: 7)
        tx.insert(NFTRule(chain: Self.forward, statements: [.accept]))
        tx.delete(Self.dispatch)
        tx.add(Self.peers)
        #expect(tx.nativeText == """
            add chain inet swcni_t forward { type filter hook forward priority 0; policy accept; }
            delete element inet swcni_t peers { 10.1.0.5 }
            flush chain inet swcni_t pod
            delete chain inet swcni_t pod
            delete rule inet swcni_t forward handle 7
            insert rule inet swcni_t forward accept
            delete map inet swcni_t dispatch
            add set inet swcni_t peers { type ipv4_addr; flags interval; }

            """)
        #expect(tx.commands.count == tx.commandCount)
    }
}
