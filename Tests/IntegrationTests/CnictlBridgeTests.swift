import Foundation
import Testing

/// Our bridge + host-local driven through `cnictl` at specification 1.1.0, as an operator or a
/// runtime would: cnictl runs inside a "host" namespace the test creates (so the bridge, host
/// veths and nftables tables live there), pods are further namespaces.
@Suite("cnictl with our bridge", .enabled(if: TestEnvironment.canRunNetNSTests))
struct CnictlBridgeTests {
    final class Fixture: CnictlHost {
        init() throws {
            try super.init(hostPrefix: "cbh", podPrefix: "cbp", label: "cnictl-br", networkPrefix: "cbn", bridgePrefix: "cbb")
            let list = #"""
                {"cniVersion":"1.1.0","name":"\#(network)","plugins":[
                 {"type":"bridge","bridge":"\#(bridge)","isGateway":true,"ipMasq":true,
                  "ipam":{"type":"host-local","dataDir":"\#(dataDir)",
                          "ranges":[[{"subnet":"10.91.0.0/24"}],[{"subnet":"fd00:91::/64"}]]}}]}
                """#
            try list.write(toFile: "\(confDir)/10-bridge.conflist", atomically: true, encoding: .utf8)
        }

        func cnictl(_ command: String, _ arguments: [String] = []) throws -> PluginExec.Output {
            try cnictl(command, arguments, binDir: TestEnvironment.binDir)
        }

        func hostVeths() throws -> [Any] {
            try Shell.json(["ip", "-n", host.name, "-j", "link", "show", "type", "veth"]) as? [Any] ?? []
        }

        func hostTables() throws -> String {
            try host.run(["nft", "list", "tables"])
        }
    }

    static func withFixture(_ body: (Fixture) throws -> Void) throws {
        try CnictlHost.with(Fixture.init, body)
    }

    static func firstAddress(_ result: [String: Any]?, family: String) -> String? {
        let ips = result?["ips"] as? [[String: Any]] ?? []
        let wanted = ips.compactMap { $0["address"] as? String }.first { $0.contains(":") == (family == "6") }
        return wanted.map { String($0.split(separator: "/")[0]) }
    }

    @Test func podsReachEachOtherAndEverythingIsRemoved() throws {
        try Self.withFixture { f in
            let a = try f.pod()
            let b = try f.pod()
            let addA = try f.cnictl("add", [a.path, "--k8s-pod", "x/a"])
            #expect(addA.status == 0, "\(addA.summary)")
            let addB = try f.cnictl("add", [b.path, "--k8s-pod", "x/b"])
            #expect(addB.status == 0, "\(addB.summary)")
            #expect(addA.json?["cniVersion"] as? String == "1.1.0")
            let interfaces = addA.json?["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces.map { $0["name"] as? String } == [f.bridge, interfaces[safe: 1]?["name"] as? String, "eth0"])
            #expect(f.reservations.count == 4, "one IPv4 and one IPv6 address per pod: \(f.reservations)")

            let b4 = try #require(Self.firstAddress(addB.json, family: "4"))
            let b6 = try #require(Self.firstAddress(addB.json, family: "6"))
            try a.run(["ping", "-c", "1", "-W", "2", b4])
            try a.run(["ping", "-6", "-c", "1", "-W", "2", b6])
            try a.run(["ping", "-c", "1", "-W", "2", "10.91.0.1"])

            for pod in [a, b] {
                let check = try f.cnictl("check", [pod.path])
                #expect(check.status == 0, "\(check.summary)")
            }
            let status = try f.cnictl("status")
            #expect(status.status == 0, "\(status.summary)")

            // Pod a vanishes without a DEL: GC (stale = its netns is gone) cleans up after it.
            a.remove()
            let gc = try f.cnictl("gc")
            #expect(gc.status == 0, "\(gc.summary)")
            #expect(f.reservations.count == 2, "only pod b's addresses remain: \(f.reservations)")
            let settle = Date().addingTimeInterval(5)
            while try f.hostVeths().count > 1 && Date() < settle { Thread.sleep(forTimeInterval: 0.05) }
            #expect(try f.hostVeths().count == 1, "only pod b's host veth remains")

            // Tampering with pod b is noticed, then DEL removes everything, twice.
            try b.run(["ip", "link", "set", "eth0", "down"])
            let broken = try f.cnictl("check", [b.path])
            #expect(broken.status != 0, "CHECK after the pod's link went down: \(broken.summary)")
            for _ in 1...2 {
                let del = try f.cnictl("del", [b.path])
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect(f.reservations.isEmpty)
            // The veth pair is deleted in the background after DEL returns (docs/bridge.md).
            let deadline = Date().addingTimeInterval(5)
            while try !f.hostVeths().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(try f.hostVeths().isEmpty, "the host veth is gone shortly after DEL")
            // No per-pod rule is left; the network's forward accepts stay, like the bridge.
            let ruleset = try f.host.run(["nft", "list", "ruleset"])
            #expect(!ruleset.contains("masquerade"), "pod b's masquerade rule went with it: \(ruleset)")
            // A GC whose valid list is empty (cnictl's cache has no attachment left) removes them.
            let gcAll = try f.cnictl("gc")
            #expect(gcAll.status == 0, "\(gcAll.summary)")
            let tables = try f.hostTables()
            #expect(!tables.contains("swcni"), "our nftables tables go with the network's last GC: \(tables)")
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
