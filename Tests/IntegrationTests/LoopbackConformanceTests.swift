import Foundation
import Testing

/// The loopback plugin exec'd as a runtime would, in namespaces the tests create, for every
/// specification version: ADD, CHECK, DEL, DEL again, DEL after the netns is deleted, GC,
/// STATUS.
@Suite("loopback conformance", .enabled(if: TestEnvironment.canRunNetNSTests))
struct LoopbackConformanceTests {
    static let versions = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]

    static func config(_ version: String, prevResult: String? = nil) -> String {
        var text = #"{"cniVersion":"\#(version)","name":"lo-net","type":"loopback""#
        if let prevResult { text += #","prevResult":\#(prevResult)"# }
        return text + "}"
    }

    static func isUp(_ ns: TestNamespace) throws -> Bool {
        let link = try #require(try ns.link("lo"))
        let flags = link["flags"] as? [String] ?? []
        return flags.contains("UP")
    }

    @Test(arguments: versions)
    func lifecycle(_ version: String) throws {
        try TestNamespace.with { ns in
            #expect(try !Self.isUp(ns), "[\(version)] a new namespace starts with lo down")

            // ADD
            let add = try PluginExec.ours("loopback", "ADD", config: Self.config(version), netns: ns.path).run()
            #expect(add.status == 0, "[\(version)] ADD: \(add.summary)")
            let result = try #require(add.json, "[\(version)] ADD printed no JSON")
            #expect(result["cniVersion"] as? String == version)
            #expect(try Self.isUp(ns), "[\(version)] lo is up after ADD")
            try Self.assertLoopbackResult(result, version: version, netns: ns.path)

            // CHECK: needs 0.4.0.
            let check = try PluginExec.ours("loopback", "CHECK", config: Self.config(version, prevResult: add.stdout),
                                            netns: ns.path).run()
            if version >= "0.4.0" {
                #expect(check.status == 0, "[\(version)] CHECK: \(check.summary)")
                #expect(check.stdout.isEmpty, "[\(version)] CHECK prints nothing on success")

                // CHECK fails once lo is taken down behind the plugin's back, and passes again
                // when it is back up.
                try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "down"])
                let down = try PluginExec.ours("loopback", "CHECK", config: Self.config(version, prevResult: add.stdout),
                                               netns: ns.path).run()
                #expect(down.status != 0 && down.code == 101, "[\(version)] CHECK with lo down: \(down.summary)")
                let message = down.json?["msg"] as? String ?? ""
                #expect(message.contains("down"), "[\(version)] \(down.summary)")
                try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"])
                let upAgain = try PluginExec.ours("loopback", "CHECK", config: Self.config(version, prevResult: add.stdout),
                                                  netns: ns.path).run()
                #expect(upAgain.status == 0, "[\(version)] CHECK with lo up again: \(upAgain.summary)")
            } else {
                #expect(check.code == 1, "[\(version)] CHECK below 0.4.0: \(check.summary)")
            }

            // GC and STATUS: need 1.1.0.
            for command in ["GC", "STATUS"] {
                let out = try PluginExec(binary: TestEnvironment.binary("loopback"), command: command,
                                         containerID: nil, netns: nil, ifname: nil, config: Self.config(version)).run()
                if version == "1.1.0" {
                    #expect(out.status == 0 && out.stdout.isEmpty, "[\(version)] \(command): \(out.summary)")
                } else {
                    #expect(out.code == 1, "[\(version)] \(command) below 1.1.0: \(out.summary)")
                }
            }

            // DEL, twice.
            for attempt in 1...2 {
                let del = try PluginExec.ours("loopback", "DEL", config: Self.config(version, prevResult: add.stdout),
                                              netns: ns.path).run()
                #expect(del.status == 0 && del.stdout.isEmpty, "[\(version)] DEL #\(attempt): \(del.summary)")
            }
            #expect(try !Self.isUp(ns), "[\(version)] lo is down after DEL")

            // CHECK after DEL fails: lo is down.
            if version >= "0.4.0" {
                let stale = try PluginExec.ours("loopback", "CHECK", config: Self.config(version, prevResult: add.stdout),
                                                netns: ns.path).run()
                #expect(stale.status != 0 && stale.code == 101, "[\(version)] CHECK after DEL: \(stale.summary)")
            }

            // DEL after the namespace is gone, and with no CNI_NETNS at all.
            let path = ns.path
            ns.remove()
            let gone = try PluginExec.ours("loopback", "DEL", config: Self.config(version), netns: path).run()
            #expect(gone.status == 0 && gone.stdout.isEmpty, "[\(version)] DEL after netns deletion: \(gone.summary)")
            let unset = try PluginExec.ours("loopback", "DEL", config: Self.config(version), netns: nil).run()
            #expect(unset.status == 0 && unset.stdout.isEmpty, "[\(version)] DEL without CNI_NETNS: \(unset.summary)")
            let empty = try PluginExec.ours("loopback", "DEL", config: Self.config(version), netns: "").run()
            #expect(empty.status == 0 && empty.stdout.isEmpty, "[\(version)] DEL with empty CNI_NETNS: \(empty.summary)")
        }
    }

    static func assertLoopbackResult(_ result: [String: Any], version: String, netns: String) throws {
        if version < "0.3.0" {
            #expect((result["ip4"] as? [String: Any])?["ip"] as? String == "127.0.0.1/8", "[\(version)] \(result)")
            #expect((result["ip6"] as? [String: Any])?["ip"] as? String == "::1/128", "[\(version)] \(result)")
            #expect(result["interfaces"] == nil && result["ips"] == nil, "[\(version)] no 0.3 fields in a 0.2 result")
            return
        }
        let interfaces = try #require(result["interfaces"] as? [[String: Any]])
        #expect(interfaces.count == 1)
        #expect(interfaces.first?["name"] as? String == "lo")
        #expect(interfaces.first?["mac"] as? String == "00:00:00:00:00:00")
        #expect(interfaces.first?["sandbox"] as? String == netns)
        let ips = try #require(result["ips"] as? [[String: Any]])
        #expect(ips.map { $0["address"] as? String } == ["127.0.0.1/8", "::1/128"], "[\(version)]")
        #expect(ips.allSatisfy { $0["interface"] as? Int == 0 }, "[\(version)]")
        let versions = ips.map { $0["version"] as? String }
        if version < "1.0.0" {
            #expect(versions == ["4", "6"], "[\(version)] 0.3.x/0.4.0 ips carry version")
        } else {
            #expect(versions == [nil, nil], "[\(version)] 1.x ips carry no version")
        }
    }

    @Test func addToAMissingNamespaceIsUnknownContainer() throws {
        let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0"),
                                      netns: "/run/netns/\(TestEnvironment.uniqueName("gone"))").run()
        #expect(out.code == 3, "\(out.summary)")
    }

    @Test func addToAPathThatIsNotANamespaceIsInvalidEnvironment() throws {
        let dir = try TestEnvironment.makeTempDir("notns")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "\(dir)/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0"), netns: file).run()
        #expect(out.code == 4, "\(out.summary)")
    }

    /// A chained loopback returns its prevResult unchanged (converted to the request version).
    @Test func chainedAddReturnsPrevResult() throws {
        try TestNamespace.with { ns in
            let prev = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"\#(ns.path)"}],"ips":[{"interface":0,"address":"10.9.0.5/24","gateway":"10.9.0.1"}],"dns":{}}"#
            let out = try PluginExec.ours("loopback", "ADD", config: Self.config("1.0.0", prevResult: prev), netns: ns.path).run()
            #expect(out.status == 0, "\(out.summary)")
            let ips = out.json?["ips"] as? [[String: Any]]
            #expect(ips?.first?["address"] as? String == "10.9.0.5/24")
            #expect(try Self.isUp(ns))
        }
    }

    /// Side by side with Debian's Go loopback (1.1.1), for every version it supports (0.1.0 to
    /// 1.0.0): the same result and the same kernel state.
    ///
    /// The reference builds a 1.0.0-shaped result, labels it with the request's version and
    /// prints it without converting it (the Go `convert` short-cut when the labels are equal),
    /// so below 1.0.0 its output is not in the requested version's format: 0.1.0/0.2.0 output
    /// has `interfaces`/`ips` instead of `ip4`/`ip6`, 0.3.x/0.4.0 output lacks the required
    /// `ips[].version`. We print the spec's format; the comparison first applies the spec's
    /// conversion (`Self.specFormat`) to the reference's output. Where the reference output is
    /// already in the right format, the conversion leaves it unchanged.
    @Test(arguments: ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"])
    func matchesTheReferencePlugin(_ version: String) throws {
        guard FileManager.default.isExecutableFile(atPath: TestEnvironment.reference("loopback")) else {
            Issue.record("reference loopback not installed at \(TestEnvironment.reference("loopback")); run scripts/setup.sh")
            return
        }
        try TestNamespace.with(2) { namespaces in
            let (a, b) = (namespaces[0], namespaces[1])
            let ours = try PluginExec.ours("loopback", "ADD", config: Self.config(version), netns: a.path).run()
            let theirs = try PluginExec.reference("loopback", "ADD", config: Self.config(version), netns: b.path).run()
            #expect(ours.status == 0 && theirs.status == 0, "[\(version)] ours: \(ours.summary) reference: \(theirs.summary)")
            let expected = Self.specFormat(theirs.json ?? [:], version: version)
            #expect(Self.normalise(ours.json, a.path) == Self.normalise(expected, b.path), "[\(version)]")
            #expect(try a.addresses("lo") == b.addresses("lo"), "[\(version)]")
            #expect(try Self.isUp(a) == Self.isUp(b), "[\(version)]")

            // DEL: the same kernel state again.
            let ourDel = try PluginExec.ours("loopback", "DEL", config: Self.config(version), netns: a.path).run()
            let theirDel = try PluginExec.reference("loopback", "DEL", config: Self.config(version), netns: b.path).run()
            #expect(ourDel.status == 0 && theirDel.status == 0, "[\(version)] ours: \(ourDel.summary) reference: \(theirDel.summary)")
            #expect(try a.addresses("lo") == b.addresses("lo"), "[\(version)] after DEL")
            #expect(try Self.isUp(a) == Self.isUp(b), "[\(version)] after DEL")
        }
    }

    /// 1.1.0, which the Debian reference does not support: its 1.0.0 result with the version
    /// label changed (1.1.0 adds only optional fields, none of which loopback sets).
    @Test func matchesTheReferencePluginAt110() throws {
        guard FileManager.default.isExecutableFile(atPath: TestEnvironment.reference("loopback")) else {
            Issue.record("reference loopback not installed at \(TestEnvironment.reference("loopback")); run scripts/setup.sh")
            return
        }
        try TestNamespace.with(2) { namespaces in
            let (a, b) = (namespaces[0], namespaces[1])
            let ours = try PluginExec.ours("loopback", "ADD", config: Self.config("1.1.0"), netns: a.path).run()
            let theirs = try PluginExec.reference("loopback", "ADD", config: Self.config("1.0.0"), netns: b.path).run()
            #expect(ours.status == 0 && theirs.status == 0, "ours: \(ours.summary) reference: \(theirs.summary)")
            var expected = theirs.json ?? [:]
            expected["cniVersion"] = "1.1.0"
            #expect(Self.normalise(ours.json, a.path) == Self.normalise(expected, b.path))
        }
    }

    /// JSON with sorted keys and the namespace path replaced, for comparisons across namespaces.
    static func normalise(_ json: [String: Any]?, _ path: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: json ?? [:], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: path.replacingOccurrences(of: "/", with: "\\/"), with: "NETNS")
    }

    /// A current-shaped result (`interfaces`/`ips`) in the wire format of `version`, by the
    /// spec's conversion rules: 0.1.0/0.2.0 keep the first IPv4 and first IPv6 address as
    /// `ip4`/`ip6` and drop interfaces; 0.3.x/0.4.0 add `ips[].version`; 1.x is unchanged.
    /// Results already in `version`'s format are returned as they are.
    static func specFormat(_ result: [String: Any], version: String) -> [String: Any] {
        guard let ips = result["ips"] as? [[String: Any]] else { return result }
        let isV6: ([String: Any]) -> Bool = { ($0["address"] as? String ?? "").contains(":") }
        if version < "0.3.0" {
            var converted: [String: Any] = ["cniVersion": version, "dns": result["dns"] ?? [String: Any]()]
            if let v4 = ips.first(where: { !isV6($0) }) { converted["ip4"] = ["ip": v4["address"] ?? ""] }
            if let v6 = ips.first(where: isV6) { converted["ip6"] = ["ip": v6["address"] ?? ""] }
            return converted
        }
        if version < "1.0.0" {
            var converted = result
            converted["ips"] = ips.map { ip -> [String: Any] in
                var ip = ip
                if ip["version"] == nil { ip["version"] = isV6(ip) ? "6" : "4" }
                return ip
            }
            return converted
        }
        return result
    }
}
