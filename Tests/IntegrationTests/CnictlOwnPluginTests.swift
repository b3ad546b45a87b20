import Foundation
import Testing

/// `cnictl` driving our own plugins (loopback, host-local) at specification 1.1.0, where the
/// reference plugins cannot go: ADD, CHECK, STATUS, GC and DEL of whole lists.
@Suite("cnictl with our plugins", .enabled(if: TestEnvironment.canRunNetNSTests))
struct CnictlOwnPluginTests {
    final class Fixture {
        let root: String
        let network: String
        var confDir: String { "\(root)/conf" }
        var cacheDir: String { "\(root)/cache" }
        var dataDir: String { "\(root)/data" }

        init() throws {
            root = try TestEnvironment.makeTempDir("cnictl-own")
            network = TestEnvironment.uniqueName("own")
            for dir in [confDir, cacheDir, dataDir] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        func writeList(_ plugins: [String]) throws {
            let text = #"{"cniVersion":"1.1.0","name":"\#(network)","plugins":[\#(plugins.joined(separator: ","))]}"#
            try text.write(toFile: "\(confDir)/10-own.conflist", atomically: true, encoding: .utf8)
        }

        func cnictl(_ command: String, _ arguments: [String] = []) throws -> PluginExec.Output {
            try CnictlRun.run(
                [command, network] + arguments
                    + ["--conf-dir", confDir, "--bin-dir", TestEnvironment.binDir, "--cache-dir", cacheDir])
        }

        var reservations: [String] { CnictlRun.reservations(dataDir, network: network) }
    }

    static func withFixture(_ body: (Fixture) throws -> Void) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try body(fixture)
    }

    @Test func loopbackListLifecycle() throws {
        try Self.withFixture { f in
            try f.writeList([#"{"type":"loopback"}"#])
            try TestNamespace.with { ns in
                let add = try f.cnictl("add", [ns.path])
                #expect(add.status == 0, "\(add.summary)")
                #expect(add.json?["cniVersion"] as? String == "1.1.0")
                let flags = try #require(try ns.link("lo"))["flags"] as? [String] ?? []
                #expect(flags.contains("UP"))

                let check = try f.cnictl("check", [ns.path])
                #expect(check.status == 0, "\(check.summary)")
                let status = try f.cnictl("status")
                #expect(status.status == 0, "\(status.summary)")

                for _ in 1...2 {
                    let del = try f.cnictl("del", [ns.path])
                    #expect(del.status == 0, "\(del.summary)")
                }
                let after = try #require(try ns.link("lo"))["flags"] as? [String] ?? []
                #expect(!after.contains("UP"), "DEL takes lo down")
            }
        }
    }

    @Test func hostLocalListLifecycleWithGC() throws {
        try Self.withFixture { f in
            try f.writeList([
                #"{"type":"host-local","ipam":{"type":"host-local","dataDir":"\#(f.dataDir)","ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd00:77::/120"}]]}}"#
            ])
            try TestNamespace.with(2) { nss in
                for ns in nss {
                    let add = try f.cnictl("add", [ns.path])
                    #expect(add.status == 0, "\(add.summary)")
                    let ips = add.json?["ips"] as? [[String: Any]] ?? []
                    #expect(ips.count == 2, "one address per range set: \(add.stdout)")
                    let check = try f.cnictl("check", [ns.path])
                    #expect(check.status == 0, "\(check.summary)")
                }
                #expect(f.reservations.count == 4)

                // The first container goes away without a DEL; GC releases only its addresses.
                nss[0].remove()
                let gc = try f.cnictl("gc")
                #expect(gc.status == 0, "\(gc.summary)")
                #expect(f.reservations.count == 2, "GC released the vanished container's addresses: \(f.reservations)")

                // CHECK fails once the reservation is gone (removed behind the plugin's back).
                for ip in f.reservations { try FileManager.default.removeItem(atPath: "\(f.dataDir)/\(f.network)/\(ip)") }
                let check = try f.cnictl("check", [nss[1].path])
                #expect(check.status != 0, "CHECK notices the lost reservation: \(check.summary)")

                let del = try f.cnictl("del", [nss[1].path])
                #expect(del.status == 0, "\(del.summary)")
                #expect(f.reservations.isEmpty)
            }
        }
    }
}
