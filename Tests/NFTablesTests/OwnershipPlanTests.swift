import CNISpec
import Testing

@testable import NFTables

/// Planning of ensure / remove / GC against listings, without a kernel.
@Suite("nftables ownership planning")
struct OwnershipPlanTests {
    static let table = NFTTable(.inet, "swcni_t")
    static let forward = NFTChain(
        table: table, name: "forward", base: NFTBaseChain(type: .filter, hook: .forward, priority: 0))
    static let post = NFTChain(
        table: table, name: "postrouting", base: NFTBaseChain(type: .nat, hook: .postrouting, priority: 100))
    static let a = NFTAttachment(network: "net1", containerID: "ctr-a", ifname: "eth0")
    static let b = NFTAttachment(network: "net1", containerID: "ctr-b", ifname: "eth0")
    static let other = NFTAttachment(network: "net2", containerID: "ctr-c", ifname: "eth0")
    static let fwdRules: [[NFTStatement]] = [[.iifname("br0"), .accept], [.oifname("br0"), .accept]]

    let owned = try! NFTOwnedTable(table: table, lockPath: nil)

    /// A listing as `nft -j list table` prints it, with handles counted from 1.
    struct ListingBuilder {
        var items: [JSONValue] = [
            .object(JSONObject([("table", .object(JSONObject([("family", .string("inet")), ("name", .string("swcni_t")), ("handle", .int(1))])))]))
        ]
        var handle = 1

        mutating func chain(_ name: String, hook: String? = nil) {
            handle += 1
            var body = JSONObject([("family", .string("inet")), ("table", .string("swcni_t")), ("name", .string(name)), ("handle", .int(handle))])
            if let hook { body["hook"] = .string(hook) }
            items.append(.object(JSONObject([("chain", .object(body))])))
        }

        @discardableResult
        mutating func rule(_ chain: String, _ comment: String?) -> Int {
            handle += 1
            var body = JSONObject([("family", .string("inet")), ("table", .string("swcni_t")), ("chain", .string(chain)), ("handle", .int(handle))])
            if let comment { body["comment"] = .string(comment) }
            body["expr"] = .array([.object(JSONObject([("accept", .null)]))])
            items.append(.object(JSONObject([("rule", .object(body))])))
            return handle
        }

        func listing() throws -> NFTTableListing {
            try NFTTableListing(parsing: .object(JSONObject([("nftables", .array(items))])), table: OwnershipPlanTests.table)
        }
    }

    static func member(_ att: NFTAttachment) -> String {
        RuleTag.attachment(att, digest: RuleTag.digest(of: [.return])).comment(readable: "x")
    }

    static func networkRule(_ network: String, _ body: [NFTStatement]) -> String {
        RuleTag.network(network, digest: RuleTag.digest(of: body)).comment(readable: network)
    }

    @Test func ensureOnAnEmptyHostCreatesTableChainsRulesAndMembership() throws {
        let plan = try owned.planEnsure(
            listing: nil, attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        let netKey = Self.a.networkKey
        let fwd1 = RuleTag.digest(of: Self.fwdRules[0])
        let fwd2 = RuleTag.digest(of: Self.fwdRules[1])
        let member = RuleTag.digest(of: [.return])
        #expect(
            plan.text
                == #"{"nftables":[{"add":{"table":{"family":"inet","name":"swcni_t"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_t","name":"attachments"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_t","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","comment":"swcni n=\#(netKey) h=\#(fwd1) net1","expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"br0"}},{"accept":null}]}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","comment":"swcni n=\#(netKey) h=\#(fwd2) net1","expr":[{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"br0"}},{"accept":null}]}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"attachments","comment":"swcni a=\#(Self.a.key) n=\#(netKey) h=\#(member) net1/ctr-a/eth0","expr":[{"return":null}]}}}]}"#)
    }

    @Test func ensureWritesNothingWhenEverythingIsInPlace() throws {
        var builder = ListingBuilder()
        builder.chain("attachments")
        builder.chain("forward", hook: "forward")
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[1]))
        builder.rule("attachments", Self.member(Self.b))
        // A second attachment of the same network only adds its membership.
        let plan = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        #expect(plan.commands.count == 1)
        #expect(plan.text.contains(#""chain":"attachments""#))
        builder.rule("attachments", Self.member(Self.a))
        let again = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        #expect(again.isEmpty)
    }

    @Test func ensureReplacesChangedAndDuplicateRulesOfItsScopeOnly() throws {
        var builder = ListingBuilder()
        builder.chain("attachments")
        builder.chain("forward", hook: "forward")
        let stale = builder.rule("forward", Self.networkRule("net1", [.iifname("oldbr"), .accept]))
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        let duplicate = builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net2", [.iifname("oldbr"), .accept]))  // another network's
        builder.rule("forward", "hand-written")  // not ours
        builder.rule("attachments", Self.member(Self.a))
        let plan = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        let commands = plan.commands.map { $0.serialized() }
        #expect(commands.count == 3)
        #expect(commands[0].contains(#""delete":{"rule""#) && commands[0].contains(#""handle":\#(stale)"#))
        #expect(commands[1].contains(#""delete":{"rule""#) && commands[1].contains(#""handle":\#(duplicate)"#))
        #expect(commands[2].contains(#""right":"br0""#) && commands[2].contains("oifname"))
    }

    @Test func removalOfTheLastUserDeletesTheTable() throws {
        var builder = ListingBuilder()
        builder.chain("attachments")
        builder.chain("forward", hook: "forward")
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("attachments", Self.member(Self.a))
        let plan = owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == Self.a.key }
        #expect(plan.text == #"{"nftables":[{"delete":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
        #expect(owned.planRemoval(listing: nil) { _ in true }.isEmpty)
    }

    @Test func removalKeepsWhatOthersUseAndDropsEmptyBaseChains() throws {
        var builder = ListingBuilder()
        builder.chain("attachments")
        builder.chain("forward", hook: "forward")
        builder.chain("postrouting", hook: "postrouting")
        let net1Forward = builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net2", Self.fwdRules[0]))
        let masqA = builder.rule("postrouting", RuleTag.attachment(Self.a, digest: "00000001").comment(readable: ""))
        let memberA = builder.rule("attachments", Self.member(Self.a))
        builder.rule("attachments", Self.member(Self.other))
        let plan = owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == Self.a.key }
        let commands = plan.commands.map { $0.serialized() }
        // a's two rules, net1's network rule (no member left), then the emptied postrouting chain.
        #expect(commands.count == 4)
        #expect(commands[0].contains(#""handle":\#(masqA)"#))
        #expect(commands[1].contains(#""handle":\#(memberA)"#))
        #expect(commands[2].contains(#""handle":\#(net1Forward)"#))
        #expect(commands[3] == #"{"delete":{"chain":{"family":"inet","table":"swcni_t","name":"postrouting"}}}"#)
        // Removing an attachment that is not there changes nothing.
        let absent = NFTAttachment(network: "net1", containerID: "gone", ifname: "eth0")
        #expect(owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == absent.key }.isEmpty)
    }

    @Test func ownedTablesMustCarryThePrefix() {
        #expect(throws: NFTablesError.self) { try NFTOwnedTable(table: NFTTable(.inet, "filter"), lockPath: nil) }
    }

    @Test func membershipChainNameIsReserved() {
        let bad = NFTChain(table: Self.table, name: "attachments", base: NFTBaseChain(type: .filter, hook: .input, priority: 0))
        #expect(throws: NFTablesError.self) {
            try owned.planEnsure(
                listing: nil, attachment: Self.a, networkRules: [NFTChainRules(chain: bad, rules: [[.accept]])], attachmentRules: [])
        }
    }
}
