import BridgePlugin
import Foundation
import NFTables
import NetNS
import Testing

/// The nftables layer against the kernel, inside namespaces created by each test.
@Suite("nftables layer", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NFTablesLayerTests {
    /// Runs `body` with a fresh session inside `ns` (its sockets belong to the namespace of
    /// the thread that creates them).
    static func inside<T>(_ ns: TestNamespace, _ body: (NFTablesSession) throws -> T) throws -> T {
        try NetworkNamespace(path: ns.path).run {
            let session = try NFTablesSession()
            return try body(session)
        }
    }

    static func firewall(_ lockDir: String) throws -> BridgeFirewall {
        try BridgeFirewall(lockPath: "\(lockDir)/nftables.lock")
    }

    static func withSetup(_ body: (TestNamespace, BridgeFirewall) throws -> Void) throws {
        let dir = try TestEnvironment.makeTempDir("nft")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TestNamespace.with { ns in try body(ns, try firewall(dir)) }
    }

    static let podA = NFTAttachment(network: "net1", containerID: "ctr-a-" + String(repeating: "0", count: 58), ifname: "eth0")
    static let podB = NFTAttachment(network: "net1", containerID: "ctr-b", ifname: "eth0")
    static let podC = NFTAttachment(network: "net1", containerID: "ctr-c", ifname: "eth0")
    static let otherNet = NFTAttachment(network: "net2", containerID: "ctr-a", ifname: "eth0")

    @Test func transactionAppliesAndReadsBack() throws {
        try TestNamespace.with { ns in
            let table = NFTTable(.inet, "swcni_t")
            let forward = NFTChain(table: table, name: "forward", base: NFTBaseChain(type: .filter, hook: .forward, priority: 0))
            let set = NFTSet(table: table, name: "pods4", keyType: ["ipv4_addr"], flags: [.interval])
            let map = NFTSet(table: table, name: "dispatch", keyType: ["ipv4_addr"], mapsTo: "verdict")
            let podChain = NFTChain(table: table, name: "pod-a")
            var tx = NFTablesTransaction()
            tx.add(table)
            tx.add(forward)
            tx.add(podChain)
            tx.add(set)
            tx.add(map)
            tx.add([NFTElement(.prefix(try NFTPrefix("10.1.0.0/24"))), NFTElement(.string("10.2.0.1"))], to: set)
            tx.add([.verdict(.string("10.1.0.5"), .jump("pod-a"))], to: map)
            tx.add(NFTRule(chain: podChain, statements: [.l4proto("tcp"), try .thDport([.single(80), .range(8000, 8080)]), .counter, .accept]))
            tx.add(NFTRule(chain: podChain, statements: [.nflog(group: 7, prefix: "swcni drop "), .drop]))
            tx.add(NFTRule(chain: forward, statements: [.ctState([.established, .related]), .accept], comment: "ct"))
            tx.add(NFTRule(chain: forward, statements: [.vmap(key: .payload(protocol: "ip", field: "daddr"), map: .named("dispatch"))]))
            tx.add(NFTRule(chain: forward, statements: [.saddr(inSet: "pods4", family: .ipv4), .oifname("eth9"), .goto("pod-a")]))
            try Self.inside(ns) { try tx.apply(try $0.context()) }

            let state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.tables == ["inet swcni_t"])
            let rules = state.rules(table: "inet swcni_t")
            #expect(rules.count == 5)
            #expect(rules.contains { $0.comment == "ct" && $0.exprText.contains("established") })
            #expect(rules.contains { $0.exprText.contains(#""data":"@dispatch""#) })
            #expect(rules.contains { $0.exprText.contains(#""group":7"#) })
            let listing = try Self.inside(ns) { try $0.context().listTable(table) }
            #expect(listing?.set(named: "pods4")?.elements.count == 2)
            #expect(listing?.set(named: "dispatch")?.isMap == true)
            #expect(listing?.rules(in: "forward").count == 3)
            #expect(try Self.inside(ns) { try $0.context().listTable(NFTTable(.inet, "swcni_absent")) } == nil)
            // The netlink dump sees the same chains and rules as libnftables' listing.
            let dumped = try Self.inside(ns) { try $0.snapshot(table) }
            #expect(dumped?.chains.map(\.name).sorted() == listing?.chains.map(\.name).sorted())
            #expect(dumped?.chains.filter { $0.hook != nil }.map(\.name) == ["forward"])
            #expect(dumped?.rules.map(\.handle) == listing?.rules.map(\.handle))
            #expect(dumped?.rules.map(\.comment) == listing?.rules.map(\.comment))
            #expect(dumped?.rules.contains { $0.comment == "ct" } == true)
            #expect(try Self.inside(ns) { try $0.snapshot(NFTTable(.inet, "swcni_absent")) } == nil)
        }
    }

    @Test func fullSyncReplacesATableAtomically() throws {
        try TestNamespace.with { ns in
            let table = NFTTable(.inet, "swcni_policy")
            let set = NFTSet(table: table, name: "sel", keyType: ["ipv4_addr"])
            func sync(_ addresses: [String], extra: NFTRule? = nil) -> NFTablesTransaction {
                var tx = NFTablesTransaction()
                tx.replace(table)
                let chain = NFTChain(table: table, name: "forward", base: NFTBaseChain(type: .filter, hook: .forward, priority: 0))
                tx.add(chain)
                tx.add(set)
                tx.add(addresses.map { NFTElement(.string($0)) }, to: set)
                tx.add(NFTRule(chain: chain, statements: [.daddr(inSet: "sel", family: .ipv4), .counter, .accept]))
                if let extra { tx.add(extra) }
                return tx
            }
            try Self.inside(ns) { try sync(["10.0.0.1", "10.0.0.2"]).apply(try $0.context()) }  // first sync: no table yet
            try Self.inside(ns) { try sync(["10.0.0.3"]).apply(try $0.context()) }
            var listing = try Self.inside(ns) { try $0.context().listTable(table) }
            #expect(listing?.set(named: "sel")?.elements == [.string("10.0.0.3")])
            #expect(listing?.rules.count == 1)
            // A sync that fails (rule in a missing chain) leaves the previous table as it was.
            let broken = NFTRule(chain: NFTChain(table: table, name: "missing"), statements: [.accept])
            #expect(throws: NFTablesError.self) {
                try Self.inside(ns) { try sync(["10.0.0.9"], extra: broken).apply(try $0.context()) }
            }
            listing = try Self.inside(ns) { try $0.context().listTable(table) }
            #expect(listing?.set(named: "sel")?.elements == [.string("10.0.0.3")])
            #expect(listing?.rules.count == 1)
        }
    }

    @Test func anInvalidTransactionChangesNothingAndReportsLibnftablesText() throws {
        try TestNamespace.with { ns in
            let table = NFTTable(.inet, "swcni_atomic")
            var tx = NFTablesTransaction()
            tx.add(table)
            tx.add(NFTChain(table: table, name: "c"))
            // A rule in a chain that does not exist: the kernel refuses the batch.
            tx.add(NFTRule(chain: NFTChain(table: table, name: "missing"), statements: [.accept]))
            do {
                try Self.inside(ns) { try tx.apply(try $0.context()) }
                Issue.record("the transaction should have failed")
            } catch let error as NFTablesError {
                #expect(error.kind == .commandFailed)
                #expect(error.reason.contains("No such file or directory"), "\(error)")
                #expect(error.command == tx.text)
                #expect(error.cniError.code.rawValue == 999)
            }
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)

            // A command libnftables cannot parse names the failing command.
            var bad = NFTablesTransaction()
            bad.add(table)
            bad.add(NFTRule(chain: NFTChain(table: table, name: "c"), statements: [.match(left: .meta("bogus"), op: .equal, right: .string("x"))]))
            do {
                try Self.inside(ns) { try bad.apply(try $0.context()) }
                Issue.record("the transaction should have failed")
            } catch let error as NFTablesError {
                #expect(error.reason.contains("bogus"), "\(error)")
                #expect(error.reason.contains("failing command: {\"add\":{\"rule\""), "\(error)")
            }
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)
        }
    }

    @Test func bridgeRulesAreTaggedAndEnsureIsIdempotent() throws {
        try Self.withSetup { ns, firewall in
            let wrote = try Self.inside(ns) { ctx in
                [
                    try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "cni0"),
                    try firewall.addMasquerade(ctx, attachment: Self.podA, podAddresses: [try NFTPrefix("10.1.0.5/24"), try NFTPrefix("fd00::5/64")]),
                    try firewall.addMacSpoofCheck(ctx, attachment: Self.podA, hostInterface: "veth1a", mac: "0a:58:0a:01:00:05"),
                ]
            }
            #expect(wrote == [true, true, true])
            let before = try NFTRulesetReader(namespace: ns.name)
            #expect(Set(before.tables) == ["inet swcni_bridge", "bridge swcni_spoof"])
            #expect(before.rules(table: "inet swcni_bridge", chain: "forward").count == 2)
            #expect(before.rules(table: "inet swcni_bridge", chain: "postrouting").count == 2)
            #expect(before.rules(table: "bridge swcni_spoof", chain: "prerouting").count == 1)
            // Every rule is ours and names the attachment or the network.
            for rule in before.rules { #expect(rule.comment?.hasPrefix("swcni ") == true) }
            #expect(before.rules(ofAttachmentKey: Self.podA.key).count == 3)  // 2 masq + spoof
            // Membership chains, one per table the pod uses.
            #expect(before.chains.filter { $0.hasSuffix(" m-\(Self.podA.networkKey)-\(Self.podA.key)") }.count == 2)

            // The same calls again write nothing and leave the same handles.
            let (again, loaded) = try Self.inside(ns) { ctx in
                let wrote = [
                    try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "cni0"),
                    try firewall.addMasquerade(ctx, attachment: Self.podA, podAddresses: [try NFTPrefix("10.1.0.5/24"), try NFTPrefix("fd00::5/64")]),
                    try firewall.addMacSpoofCheck(ctx, attachment: Self.podA, hostInterface: "veth1a", mac: "0a:58:0a:01:00:05"),
                    try firewall.ensureAttachment(
                        ctx, attachment: Self.podA, forwardAcceptBridge: "cni0",
                        masquerade: [try NFTPrefix("10.1.0.5/24"), try NFTPrefix("fd00::5/64")]),
                    try firewall.remove(ctx, attachment: NFTAttachment(network: "net1", containerID: "unknown", ifname: "eth0")),
                ]
                return (wrote, ctx.hasLoadedLibnftables)
            }
            #expect(again == [false, false, false, false, false])
            #expect(loaded == false, "reading and deciding that nothing changes must not load libnftables")
            let after = try NFTRulesetReader(namespace: ns.name)
            #expect(after.rules.map(\.handle) == before.rules.map(\.handle))

            // A second pod shares the forward accepts.
            try Self.inside(ns) { ctx in
                try firewall.ensureForwardAccept(ctx, attachment: Self.podB, bridge: "cni0")
            }
            #expect(try NFTRulesetReader(namespace: ns.name).rules(table: "inet swcni_bridge", chain: "forward").count == 2)

            // A changed rule (new MAC) replaces the old one.
            try Self.inside(ns) { ctx in
                try firewall.addMacSpoofCheck(ctx, attachment: Self.podA, hostInterface: "veth1a", mac: "0a:58:0a:01:00:06")
            }
            let spoof = try NFTRulesetReader(namespace: ns.name).rules(table: "bridge swcni_spoof", chain: "prerouting")
            #expect(spoof.count == 1)
            #expect(spoof.first?.exprText.contains("0a:58:0a:01:00:06") == true)
        }
    }

    @Test func ensureAttachmentWritesForwardAndMasqueradeInOneTransaction() throws {
        try Self.withSetup { ns, firewall in
            let wrote = try Self.inside(ns) { ctx in
                try firewall.ensureAttachment(
                    ctx, attachment: Self.podA, forwardAcceptBridge: "cni0", masquerade: [try NFTPrefix("10.1.0.5/24")],
                    excluding: [try NFTPrefix("10.244.0.0/16")])
            }
            #expect(wrote)
            let state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 2)
            let masq = state.rules(table: "inet swcni_bridge", chain: "postrouting")
            #expect(masq.count == 1)
            #expect(masq.first?.exprText.contains("10.244.0.0") == true)
            // Changing the masquerade addresses replaces the pod's rule; the forward accepts stay.
            let handles = state.rules(table: "inet swcni_bridge", chain: "forward").map(\.handle)
            try Self.inside(ns) { ctx in
                try firewall.ensureAttachment(ctx, attachment: Self.podA, forwardAcceptBridge: "cni0", masquerade: [try NFTPrefix("10.1.0.9/24")])
            }
            let after = try NFTRulesetReader(namespace: ns.name)
            #expect(after.rules(table: "inet swcni_bridge", chain: "forward").map(\.handle) == handles)
            #expect(after.rules(table: "inet swcni_bridge", chain: "postrouting").map(\.exprText).allSatisfy { $0.contains("10.1.0.9") })
            #expect(after.rules(table: "inet swcni_bridge", chain: "postrouting").count == 1)
        }
    }

    @Test func bridgeAndClusterForwardAcceptsOfOneNetworkCoexist() throws {
        try Self.withSetup { ns, firewall in
            try Self.inside(ns) { ctx in
                try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "cni0")
                try firewall.ensureForwardAccept(ctx, attachment: Self.podA, between: [try NFTPrefix("10.244.0.0/16")])
                try firewall.ensureForwardAccept(ctx, attachment: Self.podB, bridge: "cni0")
            }
            var state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 2)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward-cluster").count == 1)
            // Unchanged calls write nothing.
            let wrote = try Self.inside(ns) { ctx in
                [
                    try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "cni0"),
                    try firewall.ensureForwardAccept(ctx, attachment: Self.podA, between: [try NFTPrefix("10.244.0.0/16")]),
                ]
            }
            #expect(wrote == [false, false])
            try Self.inside(ns) { _ = try firewall.remove($0, attachment: Self.podA) }
            state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 2)  // B still uses them
            try Self.inside(ns) { _ = try firewall.remove($0, attachment: Self.podB) }
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)
        }
    }

    @Test func removeByTagLeavesOthersAndTheLastUserDeletesTheTables() throws {
        try Self.withSetup { ns, firewall in
            try Self.inside(ns) { ctx in
                for (i, pod) in [Self.podA, Self.podB].enumerated() {
                    try firewall.ensureForwardAccept(ctx, attachment: pod, bridge: "cni0")
                    try firewall.addMasquerade(ctx, attachment: pod, podAddresses: [try NFTPrefix("10.1.0.\(5 + i)/24")])
                    try firewall.addMacSpoofCheck(ctx, attachment: pod, hostInterface: "veth\(i)", mac: "0a:58:0a:01:00:0\(5 + i)")
                }
            }
            #expect(try Self.inside(ns) { try firewall.remove($0, attachment: Self.podA) })
            let state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(ofAttachmentKey: Self.podA.key).isEmpty)
            #expect(state.rules(ofAttachmentKey: Self.podB.key).count == 2)
            #expect(!state.chains.contains { $0.contains(Self.podA.key) })
            #expect(state.chains.filter { $0.contains(Self.podB.key) }.count == 2)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 2)
            #expect(state.rules(table: "inet swcni_bridge", chain: "postrouting").first?.exprText.contains("10.1.0.6") == true)

            // Removing it again is a no-op.
            #expect(try Self.inside(ns) { try firewall.remove($0, attachment: Self.podA) } == false)

            #expect(try Self.inside(ns) { try firewall.remove($0, attachment: Self.podB) })
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)
            #expect(try Self.inside(ns) { try firewall.remove($0, attachment: Self.podB) } == false)
        }
    }

    @Test func garbageCollectionKeepsOnlyValidAttachmentsOfItsNetwork() throws {
        try Self.withSetup { ns, firewall in
            try Self.inside(ns) { ctx in
                for (i, pod) in [Self.podA, Self.podB, Self.podC, Self.otherNet].enumerated() {
                    try firewall.ensureForwardAccept(ctx, attachment: pod, bridge: pod.network == "net1" ? "cni0" : "cni1")
                    try firewall.addMasquerade(ctx, attachment: pod, podAddresses: [try NFTPrefix("10.1.0.\(5 + i)/24")])
                }
            }
            // GC of net1 keeping only B: A and C go, net2's pod stays.
            #expect(try Self.inside(ns) { try firewall.garbageCollect($0, network: "net1", keeping: [Self.podB]) })
            var state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(ofAttachmentKey: Self.podA.key).isEmpty)
            #expect(state.rules(ofAttachmentKey: Self.podC.key).isEmpty)
            #expect(state.rules(ofAttachmentKey: Self.podB.key).count == 1)
            #expect(state.rules(ofAttachmentKey: Self.otherNet.key).count == 1)
            #expect(!state.chains.contains { $0.contains(Self.podA.key) || $0.contains(Self.podC.key) })
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 4)

            // GC of net1 with nothing valid: net1's shared forward accepts go too, net2's stay.
            try Self.inside(ns) { _ = try firewall.garbageCollect($0, network: "net1", keeping: []) }
            state = try NFTRulesetReader(namespace: ns.name)
            let forward = state.rules(table: "inet swcni_bridge", chain: "forward")
            #expect(forward.count == 2)
            #expect(forward.allSatisfy { $0.exprText.contains("cni1") })

            // GC of net2 with nothing valid: no users left, the table is deleted.
            try Self.inside(ns) { _ = try firewall.garbageCollect($0, network: "net2", keeping: []) }
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)
        }
    }

    @Test func concurrentEnsuresOfOneNetworkNeverDuplicateSharedRules() throws {
        try Self.withSetup { ns, firewall in
            let pods = (0..<8).map { NFTAttachment(network: "net1", containerID: "ctr-\($0)", ifname: "eth0") }
            let errors = ErrorBox()
            DispatchQueue.concurrentPerform(iterations: pods.count) { i in
                do {
                    try Self.inside(ns) { ctx in
                        try firewall.ensureForwardAccept(ctx, attachment: pods[i], bridge: "cni0")
                        try firewall.addMasquerade(ctx, attachment: pods[i], podAddresses: [try NFTPrefix("10.1.0.\(10 + i)/24")])
                    }
                } catch { errors.append("\(error)") }
            }
            #expect(errors.items.isEmpty)
            let state = try NFTRulesetReader(namespace: ns.name)
            #expect(state.rules(table: "inet swcni_bridge", chain: "forward").count == 2)
            #expect(state.rules(table: "inet swcni_bridge", chain: "postrouting").count == 8)
            DispatchQueue.concurrentPerform(iterations: pods.count) { i in
                do { try Self.inside(ns) { _ = try firewall.remove($0, attachment: pods[i]) } } catch { errors.append("\(error)") }
            }
            #expect(errors.items.isEmpty)
            #expect(try NFTRulesetReader(namespace: ns.name).tables.isEmpty)
        }
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
