import Testing

@testable import NFTables
import JSONSupport

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
    static let masqA: [[NFTStatement]] = [[.saddr(try! NFTPrefix("10.1.0.5")), .masquerade]]

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

        mutating func member(_ attachment: NFTAttachment) { chain(NFTMembership(attachment).chainName) }

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

    static func networkRule(_ network: String, _ body: [NFTStatement]) -> String {
        RuleTag.network(network, digest: RuleTag.digest(of: body)).comment(readable: network)
    }

    static func attachmentRule(_ att: NFTAttachment, _ body: [NFTStatement]) -> String {
        RuleTag.attachment(att, digest: RuleTag.digest(of: body)).comment(readable: "x")
    }

    @Test func membershipChainNamesRoundTrip() {
        let m = NFTMembership(Self.a)
        #expect(m.chainName == "m-\(Self.a.networkKey)-\(Self.a.key)")
        #expect(NFTMembership(chainName: m.chainName) == m)
        for name in ["forward", "m-", "m-0123-4567", "m-\(Self.a.networkKey)-\(Self.a.key)-x", "x-\(Self.a.networkKey)-\(Self.a.key)"] {
            #expect(NFTMembership(chainName: name) == nil)
        }
    }

    @Test func ensureOnAnEmptyHostCreatesTableChainsMembershipAndRules() throws {
        let plan = try owned.planEnsure(
            listing: nil, attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)],
            attachmentRules: [NFTChainRules(chain: Self.post, rules: Self.masqA)])
        let netKey = Self.a.networkKey
        let fwd1 = RuleTag.digest(of: Self.fwdRules[0])
        let fwd2 = RuleTag.digest(of: Self.fwdRules[1])
        let masq = RuleTag.digest(of: Self.masqA[0])
        #expect(
            plan.text
                == #"{"nftables":[{"add":{"table":{"family":"inet","name":"swcni_t"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_t","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_t","name":"postrouting","type":"nat","hook":"postrouting","prio":100,"policy":"accept"}}},"#
                + #"{"add":{"chain":{"family":"inet","table":"swcni_t","name":"m-\#(netKey)-\#(Self.a.key)"}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","comment":"swcni n=\#(netKey) h=\#(fwd1) net1","expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"br0"}},{"accept":null}]}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"forward","comment":"swcni n=\#(netKey) h=\#(fwd2) net1","expr":[{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"br0"}},{"accept":null}]}}},"#
                + #"{"add":{"rule":{"family":"inet","table":"swcni_t","chain":"postrouting","comment":"swcni a=\#(Self.a.key) n=\#(netKey) h=\#(masq) net1/ctr-a/eth0","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"10.1.0.5"}},{"masquerade":null}]}}}]}"#)
    }

    @Test func ensureWritesNothingWhenEverythingIsInPlace() throws {
        var builder = ListingBuilder()
        builder.chain("forward", hook: "forward")
        builder.chain("postrouting", hook: "postrouting")
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[1]))
        builder.member(Self.b)
        // A second attachment of the same network adds its membership only.
        let plan = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        #expect(plan.text == #"{"nftables":[{"add":{"chain":{"family":"inet","table":"swcni_t","name":"\#(NFTMembership(Self.a).chainName)"}}}]}"#)
        builder.member(Self.a)
        builder.rule("postrouting", Self.attachmentRule(Self.a, Self.masqA[0]))
        let again = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)],
            attachmentRules: [NFTChainRules(chain: Self.post, rules: Self.masqA)])
        #expect(again.isEmpty)
    }

    @Test func ensureReplacesChangedAndDuplicateRulesOfItsScopeOnly() throws {
        var builder = ListingBuilder()
        builder.chain("forward", hook: "forward")
        builder.member(Self.a)
        let stale = builder.rule("forward", Self.networkRule("net1", [.iifname("oldbr"), .accept]))
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        let duplicate = builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net2", [.iifname("oldbr"), .accept]))  // another network's
        builder.rule("forward", "hand-written")  // not ours
        let plan = try owned.planEnsure(
            listing: try builder.listing(), attachment: Self.a,
            networkRules: [NFTChainRules(chain: Self.forward, rules: Self.fwdRules)], attachmentRules: [])
        let commands = plan.commands.map { $0.serialized() }
        #expect(commands.count == 3)
        #expect(commands[0].contains(#""delete":{"rule""#) && commands[0].contains(#""handle":\#(stale)"#))
        #expect(commands[1].contains(#""delete":{"rule""#) && commands[1].contains(#""handle":\#(duplicate)"#))
        #expect(commands[2].contains(#""right":"br0""#) && commands[2].contains("oifname"))
    }

    @Test func rulesOfChainsThatWereNotReadCountAsAbsent() throws {
        var builder = ListingBuilder()
        builder.chain("postrouting", hook: "postrouting")
        builder.rule("postrouting", Self.attachmentRule(Self.b, Self.masqA[0]))
        var listing = try builder.listing()
        listing.rulesRead = .chains(["forward"])
        let plan = try owned.planEnsure(
            listing: listing, attachment: Self.a, networkRules: [],
            attachmentRules: [NFTChainRules(chain: Self.post, rules: Self.masqA)])
        #expect(plan.commands.count == 2)  // membership + the rule; nothing deleted
        #expect(!plan.text.contains("delete"))
    }

    @Test func removalOfTheLastMemberDeletesTheTable() throws {
        var builder = ListingBuilder()
        builder.chain("forward", hook: "forward")
        builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.member(Self.a)
        let plan = owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == Self.a.key }
        #expect(plan.text == #"{"nftables":[{"delete":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
        #expect(owned.planRemoval(listing: nil) { _ in true }.isEmpty)
    }

    @Test func removalKeepsWhatOthersUseAndDropsEmptyBaseChains() throws {
        var builder = ListingBuilder()
        builder.chain("forward", hook: "forward")
        builder.chain("postrouting", hook: "postrouting")
        builder.member(Self.a)
        builder.member(Self.other)
        let net1Forward = builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net2", Self.fwdRules[0]))
        let masqA = builder.rule("postrouting", Self.attachmentRule(Self.a, Self.masqA[0]))
        let plan = owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == Self.a.key }
        let commands = plan.commands.map { $0.serialized() }
        // net1's network rule (no member left), a's rule, a's membership, the emptied postrouting chain.
        #expect(commands.count == 4)
        #expect(commands[0].contains(#""handle":\#(net1Forward)"#))
        #expect(commands[1].contains(#""handle":\#(masqA)"#))
        #expect(commands[2] == #"{"delete":{"chain":{"family":"inet","table":"swcni_t","name":"\#(NFTMembership(Self.a).chainName)"}}}"#)
        #expect(commands[3] == #"{"delete":{"chain":{"family":"inet","table":"swcni_t","name":"postrouting"}}}"#)
        // Removing an attachment that is not a member changes nothing.
        let absent = NFTAttachment(network: "net1", containerID: "gone", ifname: "eth0")
        #expect(owned.planRemoval(listing: try builder.listing()) { $0.attachmentKey == absent.key }.isEmpty)
    }

    /// A gone network loses its network rules and its rule-less members (the network-level
    /// owner); a member with rules of its own stays; other networks are untouched.
    @Test func retiringAGoneNetworkKeepsMembersWithRulesOfTheirOwn() throws {
        let owner = NFTAttachment(network: "net1", containerID: "", ifname: "")
        var builder = ListingBuilder()
        builder.chain("forward", hook: "forward")
        builder.chain("postrouting", hook: "postrouting")
        builder.member(owner)
        builder.member(Self.a)
        builder.member(Self.other)
        let net1Forward = builder.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        builder.rule("forward", Self.networkRule("net2", Self.fwdRules[0]))
        builder.rule("postrouting", Self.attachmentRule(Self.a, Self.masqA[0]))
        let listing = try builder.listing()
        let retiring = NFTNetworkRetirement(chain: "forward") { $0.hasSuffix(" net1") }
        let gone = NFTOwnedTable.goneNetworks(listing, retiring)
        #expect(gone == [NFTAttachment.networkKey("net1")])
        let plan = owned.planRemoval(listing: listing, removing: { _ in false }, retiring: gone)
        let commands = plan.commands.map { $0.serialized() }
        #expect(commands.count == 2, "\(commands)")
        #expect(commands[0].contains(#""handle":\#(net1Forward)"#))
        #expect(commands[1].contains(NFTMembership(owner).chainName))
        // Nothing gone, nothing removed: no transaction.
        #expect(owned.planRemoval(listing: listing, removing: { _ in false }, retiring: []).isEmpty)
        // Every network gone and no member owning rules: the table goes.
        var lone = ListingBuilder()
        lone.chain("forward", hook: "forward")
        lone.member(owner)
        lone.rule("forward", Self.networkRule("net1", Self.fwdRules[0]))
        let lonePlan = owned.planRemoval(listing: try lone.listing(), removing: { _ in false }, retiring: gone)
        #expect(lonePlan.text == #"{"nftables":[{"delete":{"table":{"family":"inet","name":"swcni_t"}}}]}"#)
    }

    @Test func forwardAcceptCommentsNameTheirBridge() throws {
        let rules = NFTChainRules(chain: Self.forward, rules: Self.fwdRules, label: "br=br0")
        let plan = try owned.planEnsure(listing: nil, attachment: Self.a, networkRules: [rules], attachmentRules: [])
        #expect(plan.text.contains(" br=br0 net1\""), "\(plan.text)")
    }

    @Test func ownedTablesMustCarryThePrefix() {
        #expect(throws: NFTablesError.self) { try NFTOwnedTable(table: NFTTable(.inet, "filter"), lockPath: nil) }
    }

    @Test func membershipChainNamesAreReserved() {
        let bad = NFTChain(table: Self.table, name: "m-mine")
        #expect(throws: NFTablesError.self) {
            try owned.planEnsure(
                listing: nil, attachment: Self.a, networkRules: [NFTChainRules(chain: bad, rules: [[.accept]])], attachmentRules: [])
        }
    }
}
