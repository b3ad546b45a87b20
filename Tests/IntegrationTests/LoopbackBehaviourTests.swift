import Foundation
import Testing

/// Loopback behaviour beyond the basic lifecycle: refusing a `lo` with foreign addresses,
/// ignoring `CNI_IFNAME`, idempotent ADD, chained prevResult conversion, DEL edge cases.
@Suite("loopback behaviour", .enabled(if: TestEnvironment.canRunNetNSTests))
struct LoopbackBehaviourTests {
    static let config = LoopbackConformanceTests.config
    static let isUp = LoopbackConformanceTests.isUp

    /// The reference brings lo up and then fails with 999; we fail with 100 before changing
    /// anything.
    @Test(arguments: ["10.99.0.1/32", "2001:db8::7/128"])
    func aForeignAddressOnLoIsRefusedAndLoIsLeftAlone(_ address: String) throws {
        try TestNamespace.with { ns in
            try Shell.must(["ip", "-n", ns.name, "addr", "add", address, "dev", "lo"])
            let before = try ns.addresses("lo")
            let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", nil), netns: ns.path).run()
            #expect(out.status != 0 && out.code == 100, "\(out.summary)")
            let details = out.json?["details"] as? String ?? ""
            #expect(details.contains(address), "names the address: \(out.summary)")
            #expect(try !Self.isUp(ns), "lo stays down")
            #expect(try ns.addresses("lo") == before, "lo addresses unchanged")
        }
    }

    /// A foreign address on a lo that is already up: refused too, lo stays up.
    @Test func aForeignAddressOnAnUpLoIsRefused() throws {
        try TestNamespace.with { ns in
            try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"])
            try Shell.must(["ip", "-n", ns.name, "addr", "add", "192.0.2.9/24", "dev", "lo"])
            let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", nil), netns: ns.path).run()
            #expect(out.code == 100, "\(out.summary)")
            #expect(try Self.isUp(ns))
        }
    }

    @Test func ifnameIsIgnored() throws {
        try TestNamespace.with { ns in
            let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", nil), netns: ns.path,
                                          ifname: "net7").run()
            #expect(out.status == 0, "\(out.summary)")
            let interfaces = out.json?["interfaces"] as? [[String: Any]]
            #expect(interfaces?.first?["name"] as? String == "lo")
            #expect(try Self.isUp(ns))
            #expect(try ns.link("net7") == nil, "no interface named after CNI_IFNAME")
            let del = try PluginExec.ours("loopback", "DEL", config: Self.config("1.0.0", nil), netns: ns.path,
                                          ifname: "net7").run()
            #expect(del.status == 0, "\(del.summary)")
            #expect(try !Self.isUp(ns))
        }
    }

    @Test func addTwiceGivesTheSameResult() throws {
        try TestNamespace.with { ns in
            let first = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", nil), netns: ns.path).run()
            let second = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", nil), netns: ns.path).run()
            #expect(first.status == 0 && second.status == 0, "\(first.summary) \(second.summary)")
            #expect(first.stdout == second.stdout)
        }
    }

    /// prevResult is printed in the request's version, whatever version it was written in.
    @Test(arguments: [
        ("0.2.0", #"{"cniVersion":"0.2.0","ip4":{"ip":"10.9.0.5/24","gateway":"10.9.0.1"},"ip6":{"ip":"fd00::5/64"},"dns":{}}"#),
        ("0.3.1", #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"NS"}],"ips":[{"interface":0,"address":"10.9.0.5/24","gateway":"10.9.0.1"},{"interface":0,"address":"fd00::5/64"}],"dns":{}}"#),
        ("0.4.0", #"{"interfaces":[{"name":"eth0","sandbox":"NS"}],"ips":[{"version":"4","interface":0,"address":"10.9.0.5/24","gateway":"10.9.0.1"},{"version":"6","interface":0,"address":"fd00::5/64"}],"dns":{}}"#),
        ("1.1.0", #"{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"NS"}],"ips":[{"version":"4","interface":0,"address":"10.9.0.5/24","gateway":"10.9.0.1"},{"version":"6","interface":0,"address":"fd00::5/64"}],"dns":{}}"#),
    ])
    func chainedAddPrintsPrevResultInTheRequestVersion(_ version: String, _ prev: String) throws {
        try TestNamespace.with { ns in
            let prevResult = prev.replacingOccurrences(of: "\"NS\"", with: "\"\(ns.path)\"")
            let out = try PluginExec.ours("loopback", "ADD", config: Self.config(version, prevResult), netns: ns.path).run()
            #expect(out.status == 0, "[\(version)] \(out.summary)")
            let json = try #require(out.json)
            #expect(json["cniVersion"] as? String == version)
            if version < "0.3.0" {
                #expect((json["ip4"] as? [String: Any])?["ip"] as? String == "10.9.0.5/24")
                #expect((json["ip4"] as? [String: Any])?["gateway"] as? String == "10.9.0.1")
                #expect((json["ip6"] as? [String: Any])?["ip"] as? String == "fd00::5/64")
            } else {
                let ips = json["ips"] as? [[String: Any]] ?? []
                #expect(ips.map { $0["address"] as? String } == ["10.9.0.5/24", "fd00::5/64"], "[\(version)]")
                #expect(ips.first?["gateway"] as? String == "10.9.0.1")
                let versions = ips.map { $0["version"] as? String }
                #expect(versions == (version < "1.0.0" ? ["4", "6"] : [nil, nil]), "[\(version)]")
                let interfaces = json["interfaces"] as? [[String: Any]]
                #expect(interfaces?.map { $0["name"] as? String } == ["eth0"], "prevResult's interfaces, not lo")
            }
            #expect(try Self.isUp(ns), "lo is up even when chained")
        }
    }

    /// A netns path that is a plain file (for example a pin file whose namespace was unmounted)
    /// holds no lo to take down: DEL succeeds.
    @Test func delOnAPathThatIsNotANetworkNamespaceSucceeds() throws {
        let dir = try TestEnvironment.makeTempDir("notns")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "\(dir)/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        for path in [file, "/proc/self/ns/uts"] {
            let out = try PluginExec.ours("loopback", "DEL", config: Self.config("1.0.0", nil), netns: path).run()
            #expect(out.status == 0 && out.stdout.isEmpty, "\(path): \(out.summary)")
        }
    }

    @Test func checkOnAMissingNamespaceIsUnknownContainer() throws {
        let out = try PluginExec.ours("loopback", "CHECK", config: Self.config("1.0.0", nil),
                                      netns: "/run/netns/\(TestEnvironment.uniqueName("gone"))").run()
        #expect(out.code == 3, "\(out.summary)")
    }

    /// The plugin's own namespace is refused with code 8 before anything is touched, for DEL
    /// too (the dispatcher checks ADD and CHECK; a DEL there would take the node's lo down).
    /// The plugin runs inside a test namespace (`ip netns exec`) and is pointed at that same
    /// namespace, so a failure of the guard could only change the test namespace's lo.
    @Test(arguments: [("ADD", false), ("CHECK", false), ("DEL", true)])
    func ownNamespaceIsRefused(_ command: String, _ startUp: Bool) throws {
        try TestNamespace.with { ns in
            if startUp { try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"]) }
            let env = [
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_CONTAINERID": "ctr",
                "CNI_NETNS": ns.path, "CNI_IFNAME": "eth0", "CNI_PATH": TestEnvironment.binDir,
            ]
            let out = try Shell.run(["ip", "netns", "exec", ns.name, TestEnvironment.binary("loopback")],
                                    stdin: Data(Self.config("1.0.0", nil).utf8), environment: env)
            let json = (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8))) as? [String: Any]
            #expect(out.status != 0 && json?["code"] as? Int == 8, "\(command): exit \(out.status) \(out.stdout) \(out.stderr)")
            #expect(try Self.isUp(ns) == startUp, "\(command): lo unchanged")
        }
    }
}
