import Foundation
import Testing

/// DEL disconnects the pod and frees `CNI_IFNAME` before it returns, and leaves the deletion of
/// the veth (kernel RCU waits) to a detached process: the interface goes shortly after.
@Suite("bridge DEL in the background", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeBackgroundDelTests {
    /// Links of `ns` other than `lo`, with their flags (`ip -j link show`).
    static func nonLoopbackLinks(_ ns: TestNamespace) throws -> [[String: Any]] {
        let out = try Shell.must(["ip", "-n", ns.name, "-j", "link", "show"])
        let links = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
        return links.filter { ($0["ifname"] as? String) != "lo" }
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func afterDelThePodIsDisconnectedItsNameFreeAndTheVethGoesShortlyAfter() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true,"macspoofchk":true"#, ipam: h.ipam(v6: nil))
            let a = try h.newContainer()
            let b = try h.newContainer()
            try h.add(config, container: a, containerID: "a")
            try h.add(config, container: b, containerID: "b")
            #expect(try h.ping(from: a, "10.88.0.3"), "b answers before its DEL")
            let before = Set(try h.hostVeths())
            #expect(before.count == 2)

            let del = try h.exec("DEL", config: config, container: b, containerID: "b")
            #expect(del.status == 0, "\(del.summary)")
            // When DEL has returned: no link of b is up or still called eth0, the address is free.
            for link in try Self.nonLoopbackLinks(b) {
                let flags = link["flags"] as? [String] ?? []
                #expect(!flags.contains("UP"), "a link left in b is down: \(link)")
                #expect((link["ifname"] as? String) != "eth0", "eth0 is free at once")
            }
            #expect(try h.reservations() == ["10.88.0.2"])
            #expect(try Self.hostVethAliases(h).filter { $0 == "swcni:\(h.network)/b/eth0" }.isEmpty,
                "no host veth is named by b's attachment alias any more (retired or gone)")
            #expect(!(try h.ping(from: a, "10.88.0.3", timeout: 1)), "nothing answers for b any more")

            // The same attachment can be added again at once, in the same namespace.
            let again = try h.add(config, container: b, containerID: "b")
            #expect(again.status == 0, "\(again.summary)")
            #expect(try h.ping(from: b, "10.88.0.1"), "the re-added pod reaches the gateway")
            // (From b: a still holds b's old MAC, REACHABLE, and ignores the new pod's gratuitous
            // ARP within its 1 s locktime; b's ARP request to a updates it.)
            #expect(try h.ping(from: b, "10.88.0.2"), "the re-added pod reaches the other pod")

            // The first veth of b goes shortly after (bounded wait), the live ones stay.
            let gone = try Self.eventually(within: 5) {
                try Self.nonLoopbackLinks(b).count == 1 && h.hostVeths().count == 2
            }
            let linksInB = try Self.nonLoopbackLinks(b).map { $0["ifname"] as? String ?? "?" }
            let hostVeths = try h.hostVeths()
            #expect(gone, "links in b: \(linksInB), host veths: \(hostVeths)")
            #expect(try b.link("eth0") != nil && a.link("eth0") != nil)
        }
    }

    /// The aliases of the host's veths (`ip -j link` `ifalias`).
    static func hostVethAliases(_ h: BridgeTestHost) throws -> [String] {
        let links = try h.json(["ip", "-j", "-d", "link", "show", "type", "veth"]) as? [[String: Any]] ?? []
        return links.compactMap { $0["ifalias"] as? String }
    }

    /// A pair retired by DEL whose background deletion never ran (the detached process was
    /// killed) is left as DEL leaves it before that step: container end down and renamed to a
    /// tombstone, host end carrying the network's tombstone alias. GC removes it, and keeps
    /// the valid pod. (The state is made with `ip`, as the plugin leaves it.)
    @Test func gcRemovesARetiredPairWhoseBackgroundDeletionNeverRan() throws {
        try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.binDir
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil), version: "1.1.0")
            let keep = try h.newContainer()
            let dead = try h.newContainer()
            try h.add(config, container: keep, containerID: "keep")
            let out = try h.add(config, container: dead, containerID: "dead")
            let hostEnd = try #require(out.hostVeth)
            try dead.run(["ip", "link", "set", "eth0", "down"])
            try dead.run(["ip", "link", "set", "eth0", "name", "cnidel0badf00d"])
            try h.host.run(["ip", "link", "set", hostEnd, "alias", "swcni-tomb:\(h.network)"])

            let gc = try h.exec("GC", config: String(config.dropLast()) + #","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"},{"containerID":"dead","ifname":"eth0"}]}"#, container: nil)
            #expect(gc.status == 0, "GC: \(gc.summary)")
            #expect(try h.link(hostEnd) == nil, "the retired host end is gone")
            #expect(try dead.link("cnidel0badf00d") == nil, "and its tombstone with it")
            #expect(try h.hostVeths().count == 1, "the valid pod's veth stays")
            #expect(try keep.link("eth0") != nil)
        }
    }

    @Test func manyDelsLeaveNoLinkBehind() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v4: "10.89.0.0/16", v6: nil))
            var pods: [TestNamespace] = []
            for i in 0..<100 {
                let c = try h.newContainer()
                try h.add(config, container: c, containerID: "p\(i)")
                pods.append(c)
            }
            #expect(try h.hostVeths().count == 100)
            for (i, c) in pods.enumerated() {
                let del = try h.exec("DEL", config: config, container: c, containerID: "p\(i)")
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect(try h.reservations().isEmpty, "every address is released when DEL returns")
            let clean = try Self.eventually(within: 10) {
                try h.hostVeths().isEmpty && pods.allSatisfy { (try? Self.nonLoopbackLinks($0).isEmpty) == true }
            }
            let left = try h.hostVeths().count
            #expect(clean, "host veths left: \(left)")
        }
    }
}
