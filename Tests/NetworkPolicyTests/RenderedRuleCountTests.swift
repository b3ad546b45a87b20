import NFTables
import NetworkPolicy
import PolicyDataplane
import Testing
import JSONSupport

/// What the full-sync speed work changed in the rendered table: repeated matches in one chain
/// are loaded once, and the native script counts the commands of its JSON equivalent.
@Suite("policy rendering: repeated rules, command count")
struct RenderedRuleCountTests {
    let layout = PolicyTableLayout()

    /// Two policies with the same peers and ports selecting x/a, plus one with other ports.
    static let policies = [
        NetworkPolicy(namespace: "x", name: "first", podSelector: selector(["pod": "a"]),
                      ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], ports: [tcp(80)])]),
        NetworkPolicy(namespace: "x", name: "second", podSelector: selector(["pod": "a"]),
                      ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], ports: [tcp(80)])]),
        NetworkPolicy(namespace: "x", name: "third", podSelector: selector(["pod": "a"]),
                      ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], ports: [tcp(81)])]),
    ]

    func addedRules(_ tx: NFTablesTransaction, chain: String) -> [String] {
        tx.commands.map { $0.serialized() }.filter { $0.hasPrefix(#"{"add":{"rule""#) && $0.contains(#""chain":"\#(chain)""#) }
    }

    @Test func aRuleRepeatingAnEarlierMatchIsNotLoaded() throws {
        let program = PolicyCompiler().compile(E2EFixture(policies: Self.policies).state)
        let chain = try #require(program.chains.values.first)
        // The compiled program keeps every policy rule (explain and traces name them all)...
        #expect(chain.rules.map(\.ref.description).filter { $0.hasPrefix("x/second") }.isEmpty == false)
        // ...the table gets the first of two identical matches only (per family), the third's
        // other port, and the drop rule.
        let rules = addedRules(PolicySync(layout: layout).fullSync(program), chain: chain.name)
        #expect(rules.filter { $0.contains(#""comment":"x/first ingress[0]""#) }.count == 2)
        #expect(rules.filter { $0.contains(#""comment":"x/second ingress[0]""#) }.isEmpty)
        #expect(rules.filter { $0.contains(#""comment":"x/third ingress[0]""#) }.count == 2)
        #expect(rules.count == 5)
        let script = PolicySync(layout: layout).fullSyncScript(program)
        #expect(!script.contains("x/second ingress[0]"))
        #expect(script.contains("x/first ingress[0]") && script.contains("x/third ingress[0]"))
    }

    @Test func traceStillAgreesWithTheEvaluator() {
        let fixture = E2EFixture(policies: Self.policies)
        let program = PolicyCompiler().compile(fixture.state)
        for (from, to) in [(("x", "b"), ("x", "a")), (("y", "b"), ("x", "a"))] {
            for port in [80, 81, 82] {
                let connection = Connection(from: E2EFixture.ip(from.0, from.1), to: E2EFixture.ip(to.0, to.1), proto: .tcp, port: port)
                #expect(program.trace(connection) == PolicyEvaluator(fixture.state).evaluate(connection), "\(from) -> \(to):\(port)")
            }
        }
    }

    @Test func scriptCountsTheCommandsOfTheJSONTransaction() {
        let program = PolicyCompiler().compile(E2EFixture(policies: Self.policies + [CompilerOutputTests.allowBToA]).state)
        let sync = PolicySync(layout: layout)
        #expect(sync.fullSyncScriptAndCount(program).commands == sync.fullSync(program).commands.count)
        #expect(sync.fullSyncScriptAndCount(program).script == sync.fullSyncScript(program))
    }

    @Test func concatenatedListingsSplitIntoDocuments() {
        let text = "{\"nftables\": [{\"chain\": {\"name\": \"a}\"}}]}\n{\"nftables\": [{\"set\": {\"name\": \"b\\\"{\"}}]}\n"
        let documents = NFTablesScriptRunner.topLevelDocuments(text)
        #expect(documents.count == 2)
        #expect(documents.allSatisfy { (try? JSONParser.parse($0)) != nil })
    }
}
