import Foundation
import Testing

/// The host-local binary exec'd as a runtime would, for every specification version:
/// ADD (result shape), CHECK, DEL, DEL again, DEL without CNI_NETNS, GC and STATUS.
@Suite("host-local conformance", .enabled(if: TestEnvironment.canRunNetNSTests))
struct HostLocalConformanceTests {
    static let versions = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]
    static let dualStack = #""ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd77::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"fd99::/64","gw":"fd77::1"}]"#

    @Test(arguments: versions)
    func lifecycle(_ version: String) throws {
        try HostLocalDataDir.with { d in
            let config = d.config(version, ipam: Self.dualStack)
            let add = try PluginExec.hostLocal("ADD", config: config).run()
            #expect(add.status == 0, "[\(version)] ADD: \(add.summary)")
            let result = try #require(add.json, "[\(version)] ADD printed no JSON")
            #expect(result["cniVersion"] as? String == version)
            #expect(result["interfaces"] == nil, "[\(version)] IPAM results have no interfaces")
            if version < "0.3.0" {
                let ip4 = result["ip4"] as? [String: Any], ip6 = result["ip6"] as? [String: Any]
                #expect(ip4?["ip"] as? String == "10.77.0.2/24" && ip4?["gateway"] as? String == "10.77.0.1", "[\(version)] \(result)")
                #expect(ip6?["ip"] as? String == "fd77::2/64" && ip6?["gateway"] as? String == "fd77::1", "[\(version)] \(result)")
                #expect((ip4?["routes"] as? [[String: Any]])?.map { $0["dst"] as? String } == ["0.0.0.0/0"])
                #expect((ip6?["routes"] as? [[String: Any]])?.map { $0["dst"] as? String } == ["fd99::/64"])
            } else {
                let ips = try #require(result["ips"] as? [[String: Any]])
                #expect(ips.map { $0["address"] as? String } == ["10.77.0.2/24", "fd77::2/64"], "[\(version)]")
                #expect(ips.map { $0["gateway"] as? String } == ["10.77.0.1", "fd77::1"], "[\(version)]")
                #expect(ips.map { $0["version"] as? String } == (version < "1.0.0" ? ["4", "6"] : [nil, nil]), "[\(version)]")
                #expect(ips.allSatisfy { $0["interface"] == nil })
                let routes = try #require(result["routes"] as? [[String: Any]])
                #expect(routes.map { $0["dst"] as? String } == ["0.0.0.0/0", "fd99::/64"])
                #expect(routes.map { $0["gw"] as? String } == [nil, "fd77::1"])
            }
            #expect(d.reservations == ["10.77.0.2", "fd77::2"])
            #expect(d.content("10.77.0.2") == "ctr\r\neth0")

            // CHECK needs 0.4.0.
            let check = try PluginExec.hostLocal("CHECK", config: d.config(version, ipam: Self.dualStack, prevResult: add.stdout)).run()
            if version >= "0.4.0" {
                #expect(check.status == 0 && check.stdout.isEmpty, "[\(version)] CHECK: \(check.summary)")
                let other = try PluginExec.hostLocal("CHECK", config: d.config(version, ipam: Self.dualStack, prevResult: add.stdout),
                                                     containerID: "other").run()
                #expect(other.code == 3, "[\(version)] CHECK of an unknown container: \(other.summary)")
            } else {
                #expect(check.code == 1, "[\(version)] CHECK below 0.4.0: \(check.summary)")
            }

            // GC and STATUS need 1.1.0.
            for command in ["GC", "STATUS"] {
                let gcConfig = d.config(version, ipam: Self.dualStack,
                                        extra: #","cni.dev/valid-attachments":[{"containerID":"ctr","ifname":"eth0"}]"#)
                let out = try PluginExec.hostLocal(command, config: gcConfig).run()
                if version == "1.1.0" {
                    #expect(out.status == 0 && out.stdout.isEmpty, "[\(version)] \(command): \(out.summary)")
                } else {
                    #expect(out.code == 1, "[\(version)] \(command) below 1.1.0: \(out.summary)")
                }
            }
            #expect(d.reservations == ["10.77.0.2", "fd77::2"], "[\(version)] GC keeps the valid attachment")

            // DEL twice, then without CNI_NETNS.
            for attempt in 1...2 {
                let del = try PluginExec.hostLocal("DEL", config: d.config(version, ipam: Self.dualStack, prevResult: add.stdout)).run()
                #expect(del.status == 0 && del.stdout.isEmpty, "[\(version)] DEL #\(attempt): \(del.summary)")
            }
            #expect(d.leftovers == [], "[\(version)] DEL leaves only lock and last_reserved_ip.*: \(d.files)")
            var noNetns = PluginExec.hostLocal("DEL", config: config)
            noNetns.netns = nil
            let empty = try noNetns.run()
            #expect(empty.status == 0, "[\(version)] DEL without CNI_NETNS: \(empty.summary)")
            noNetns.netns = ""
            #expect(try noNetns.run().status == 0, "[\(version)] DEL with empty CNI_NETNS")

            if version >= "0.4.0" {
                let stale = try PluginExec.hostLocal("CHECK", config: d.config(version, ipam: Self.dualStack, prevResult: add.stdout)).run()
                #expect(stale.code == 3, "[\(version)] CHECK after DEL: \(stale.summary)")
            }
        }
    }

    @Test func duplicateAddIsAnErrorWithoutASecondReservation() throws {
        try HostLocalDataDir.with { d in
            let first = try PluginExec.hostLocal("ADD", config: d.config("1.1.0")).run()
            #expect(first.status == 0, "\(first.summary)")
            let second = try PluginExec.hostLocal("ADD", config: d.config("1.1.0")).run()
            #expect(second.status != 0 && second.code == 4, "\(second.summary)")
            #expect((second.json?["msg"] as? String)?.contains("duplicate allocation is not allowed") == true)
            #expect(d.reservations == ["10.77.0.2"])
        }
    }

    @Test func requestedAddressesFromArgsAndCapabilities() throws {
        try HostLocalDataDir.with { d in
            let ipam = #""ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd77::/64"}]]"#
            let a = try PluginExec.hostLocal("ADD", config: d.config("1.0.0", ipam: ipam), containerID: "a",
                                             args: "IgnoreUnknown=1;IP=10.77.0.40,fd77::40").run()
            #expect((a.json?["ips"] as? [[String: Any]])?.map { $0["address"] as? String } == ["10.77.0.40/24", "fd77::40/64"], "\(a.summary)")
            let b = try PluginExec.hostLocal("ADD", config: d.config("1.0.0", ipam: ipam, extra: #","runtimeConfig":{"ips":["10.77.0.41/24"]},"args":{"cni":{"ips":["fd77::41"]}}"#), containerID: "b").run()
            #expect((b.json?["ips"] as? [[String: Any]])?.map { $0["address"] as? String } == ["10.77.0.41/24", "fd77::41/64"], "\(b.summary)")
            let taken = try PluginExec.hostLocal("ADD", config: d.config("1.0.0", ipam: ipam), containerID: "c", args: "IP=10.77.0.40").run()
            #expect(taken.code == 11, "\(taken.summary)")
            #expect(d.reservations.sorted() == ["10.77.0.40", "10.77.0.41", "fd77::40", "fd77::41"])
            let ranges = try PluginExec.hostLocal("ADD", config: d.config("1.0.0", ipam: ipam, extra: #","runtimeConfig":{"ipRanges":[[{"subnet":"10.88.0.0/24"}]]}"#), containerID: "d").run()
            #expect((ranges.json?["ips"] as? [[String: Any]])?.map { $0["address"] as? String } == ["10.88.0.2/24", "10.77.0.2/24", "fd77::2/64"], "\(ranges.summary)")
        }
    }

    @Test func resolvConfBecomesDNS() throws {
        try HostLocalDataDir.with { d in
            let file = "\(d.path)/resolv.conf"
            try "nameserver 10.0.0.10\nsearch a.example b.example\noptions ndots:5\ndomain example\n".write(toFile: file, atomically: true, encoding: .utf8)
            let out = try PluginExec.hostLocal("ADD", config: d.config("1.0.0", ipam: #""resolvConf":"\#(file)","subnet":"10.77.0.0/24""#)).run()
            let dns = out.json?["dns"] as? [String: Any]
            #expect(dns?["nameservers"] as? [String] == ["10.0.0.10"], "\(out.summary)")
            #expect(dns?["search"] as? [String] == ["a.example", "b.example"])
            #expect(dns?["options"] as? [String] == ["ndots:5"])
            #expect(dns?["domain"] as? String == "example")
        }
    }

    @Test func gcReleasesStaleAttachmentsAndKillAddLeftovers() throws {
        try HostLocalDataDir.with { d in
            for id in ["a", "b", "c"] {
                #expect(try PluginExec.hostLocal("ADD", config: d.config("1.1.0"), containerID: id).run().status == 0)
            }
            // An ADD killed after creating its reservation file but before anything else:
            // the file exists, no index entry.
            try "killed\r\neth0".write(toFile: "\(d.networkPath)/10.77.0.99", atomically: false, encoding: .utf8)
            let gc = try PluginExec.hostLocal("GC", config: d.config("1.1.0", extra: #","cni.dev/valid-attachments":[{"containerID":"b","ifname":"eth0"}]"#)).run()
            #expect(gc.status == 0, "\(gc.summary)")
            #expect(d.reservations == ["10.77.0.3"])
            #expect(d.content("10.77.0.3") == "b\r\neth0")
            // Legacy key, empty list: everything goes, lock and last_reserved_ip stay.
            let all = try PluginExec.hostLocal("GC", config: d.config("1.1.0", extra: #","cni.dev/attachments":[]"#)).run()
            #expect(all.status == 0, "\(all.summary)")
            #expect(d.leftovers == [], "\(d.files)")
            #expect(d.files.contains("lock") && d.files.contains("last_reserved_ip.0"))
        }
    }

    @Test func statusReportsExhaustionAndUnusableDataDir() throws {
        try HostLocalDataDir.with { d in
            let ipam = #""ranges":[[{"subnet":"10.77.0.0/30"}]]"#
            #expect(try PluginExec.hostLocal("STATUS", config: d.config("1.1.0", ipam: ipam)).run().status == 0)
            #expect(try PluginExec.hostLocal("ADD", config: d.config("1.1.0", ipam: ipam)).run().status == 0)
            let full = try PluginExec.hostLocal("STATUS", config: d.config("1.1.0", ipam: ipam)).run()
            #expect(full.code == 50, "\(full.summary)")
            let exhausted = try PluginExec.hostLocal("ADD", config: d.config("1.1.0", ipam: ipam), containerID: "x").run()
            #expect(exhausted.code == 11, "\(exhausted.summary)")
            #expect((exhausted.json?["msg"] as? String)?.contains("no IP addresses available in range set: 10.77.0.1-10.77.0.2") == true)
            // A data dir that cannot be created (a regular file is in the way).
            let blocker = "\(d.path)/file"
            FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
            let bad = #"{"cniVersion":"1.1.0","name":"n","type":"bridge","ipam":{"type":"host-local","dataDir":"\#(blocker)","subnet":"10.77.0.0/24"}}"#
            let unusable = try PluginExec.hostLocal("STATUS", config: bad).run()
            #expect(unusable.code == 50, "\(unusable.summary)")
            let add = try PluginExec.hostLocal("ADD", config: bad).run()
            #expect(add.code == 5, "ADD with an unusable data dir is an I/O error: \(add.summary)")
        }
    }
}
