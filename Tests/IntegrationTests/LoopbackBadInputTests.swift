import Foundation
import Testing

/// Bad input to the loopback plugin: each case gets the exact error code, an error object on
/// stdout, a non-zero exit, and leaves the namespace's lo as it was (down before ADD/CHECK
/// cases, up before DEL cases).
@Suite("loopback bad input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct LoopbackBadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var command: String
        var config: String = #"{"cniVersion":"1.0.0","name":"lo-net","type":"loopback"}"#
        var containerID: String? = "ctr"
        var ifname: String? = "eth0"
        /// nil: the test namespace's path; a value: that path literally.
        var netns: String?? = .none
        var unset: [String] = []
        var code: Int
        /// Text the error's msg or details must contain.
        var mentions: [String] = []

        var testDescription: String { "\(command): \(label) → \(code)" }
    }

    static let good = #"{"cniVersion":"1.0.0","name":"lo-net","type":"loopback"}"#

    static let cases: [Case] = {
        var cases: [Case] = []
        for command in ["ADD", "CHECK", "DEL"] {
            cases += [
                Case(label: "malformed JSON", command: command, config: #"{"cniVersion":"1.0.0","name":"lo-net""#, code: 6),
                Case(label: "not an object", command: command, config: #"["loopback"]"#, code: 6),
                Case(label: "empty stdin", command: command, config: "", code: 6),
                Case(label: "cniVersion is a number", command: command,
                     config: #"{"cniVersion":1.0,"name":"lo-net","type":"loopback"}"#, code: 6, mentions: ["cniVersion"]),
                Case(label: "name is a number", command: command,
                     config: #"{"cniVersion":"1.0.0","name":5,"type":"loopback"}"#, code: 6, mentions: ["name"]),
                Case(label: "type is an object", command: command,
                     config: #"{"cniVersion":"1.0.0","name":"lo-net","type":{}}"#, code: 6, mentions: ["type"]),
                Case(label: "unknown version", command: command,
                     config: #"{"cniVersion":"9.9.9","name":"lo-net","type":"loopback"}"#, code: 1, mentions: ["9.9.9"]),
                Case(label: "unparsable version", command: command,
                     config: #"{"cniVersion":"1.0","name":"lo-net","type":"loopback"}"#, code: 1),
                Case(label: "ifname over 15 bytes", command: command, ifname: "abcdefghijklmnop", code: 4,
                     mentions: ["abcdefghijklmnop"]),
                Case(label: "ifname with a slash", command: command, ifname: "a/b", code: 4),
                Case(label: "container id with a slash", command: command, containerID: "ctr/x", code: 4),
                Case(label: "container id path traversal", command: command, containerID: "../x", code: 4),
                Case(label: "container id with a space", command: command, containerID: "ctr x", code: 4),
                Case(label: "network name path traversal", command: command,
                     config: #"{"cniVersion":"1.0.0","name":"../x","type":"loopback"}"#, code: 7),
                Case(label: "network name with a slash", command: command,
                     config: #"{"cniVersion":"1.0.0","name":"a/b","type":"loopback"}"#, code: 7),
                Case(label: "missing network name", command: command,
                     config: #"{"cniVersion":"1.0.0","type":"loopback"}"#, code: 7),
                Case(label: "missing CNI_CONTAINERID", command: command, unset: ["CNI_CONTAINERID"], code: 4,
                     mentions: ["CNI_CONTAINERID"]),
                Case(label: "missing CNI_IFNAME", command: command, unset: ["CNI_IFNAME"], code: 4,
                     mentions: ["CNI_IFNAME"]),
                Case(label: "missing CNI_PATH", command: command, unset: ["CNI_PATH"], code: 4, mentions: ["CNI_PATH"]),
                Case(label: "missing CNI_CONTAINERID and CNI_IFNAME", command: command,
                     unset: ["CNI_CONTAINERID", "CNI_IFNAME"], code: 4, mentions: ["CNI_CONTAINERID", "CNI_IFNAME"]),
            ]
        }
        for command in ["ADD", "CHECK"] {
            cases += [
                Case(label: "missing CNI_NETNS", command: command, unset: ["CNI_NETNS"], code: 4, mentions: ["CNI_NETNS"]),
                Case(label: "empty CNI_NETNS", command: command, netns: .some(""), code: 4, mentions: ["CNI_NETNS"]),
                Case(label: "netns is a directory", command: command, netns: .some("/run"), code: 4, mentions: ["/run"]),
                Case(label: "netns is a regular file", command: command, netns: .some("/etc/hostname"), code: 4,
                     mentions: ["/etc/hostname"]),
                Case(label: "netns is another namespace type", command: command, netns: .some("/proc/self/ns/uts"),
                     code: 4),
                Case(label: "netns does not exist", command: command,
                     netns: .some("/run/netns/\(TestEnvironment.uniqueName("gone"))"), code: 3),
                Case(label: "prevResult is a string", command: command,
                     config: #"{"cniVersion":"1.0.0","name":"lo-net","type":"loopback","prevResult":"x"}"#, code: 6,
                     mentions: ["prevResult"]),
                Case(label: "prevResult ips is an object", command: command,
                     config: #"{"cniVersion":"1.0.0","name":"lo-net","type":"loopback","prevResult":{"ips":{}}}"#,
                     code: 6, mentions: ["ips"]),
            ]
        }
        cases += [
            Case(label: "unknown command", command: "FROB", code: 4, mentions: ["FROB"]),
            Case(label: "lower-case command", command: "add", code: 4),
            Case(label: "CHECK below 0.4.0", command: "CHECK",
                 config: #"{"cniVersion":"0.3.1","name":"lo-net","type":"loopback"}"#, code: 1),
            Case(label: "GC below 1.1.0", command: "GC", code: 1),
            Case(label: "STATUS below 1.1.0", command: "STATUS", code: 1),
            Case(label: "GC missing CNI_PATH", command: "GC",
                 config: #"{"cniVersion":"1.1.0","name":"lo-net","type":"loopback"}"#, unset: ["CNI_PATH"], code: 4,
                 mentions: ["CNI_PATH"]),
            Case(label: "STATUS missing CNI_PATH", command: "STATUS",
                 config: #"{"cniVersion":"1.1.0","name":"lo-net","type":"loopback"}"#, unset: ["CNI_PATH"], code: 4,
                 mentions: ["CNI_PATH"]),
            Case(label: "GC malformed JSON", command: "GC", config: "{", code: 6),
            Case(label: "STATUS network name path traversal", command: "STATUS",
                 config: #"{"cniVersion":"1.1.0","name":"../x","type":"loopback"}"#, code: 7),
        ]
        return cases
    }()

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        try TestNamespace.with { ns in
            // DEL would take lo down: start from up so a wrongly accepted DEL shows. The others
            // would bring it up: start from down.
            let startUp = c.command == "DEL"
            if startUp { try Shell.must(["ip", "-n", ns.name, "link", "set", "lo", "up"]) }
            let addressesBefore = try ns.addresses("lo")

            var exec = PluginExec.ours("loopback", c.command, config: c.config, netns: ns.path,
                                       containerID: c.containerID, ifname: c.ifname)
            if case .some(let path) = c.netns { exec.netns = path }
            var out = try exec.runUnsetting(c.unset)
            out.stdout = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            #expect(out.status != 0, "\(c.testDescription): \(out.summary)")
            #expect(out.code == c.code, "\(c.testDescription): \(out.summary)")
            let json = out.json ?? [:]
            #expect(!(json["msg"] as? String ?? "").isEmpty, "\(c.testDescription): has a msg")
            let text = "\(json["msg"] as? String ?? "") \(json["details"] as? String ?? "")"
            for word in c.mentions {
                #expect(text.contains(word), "\(c.testDescription): error mentions \(word): \(out.summary)")
            }
            #expect(try LoopbackConformanceTests.isUp(ns) == startUp, "\(c.testDescription): lo unchanged")
            #expect(try ns.addresses("lo") == addressesBefore, "\(c.testDescription): lo addresses unchanged")
        }
    }
}

extension PluginExec {
    /// Runs as `run()` does, with the named variables absent from the environment.
    func runUnsetting(_ names: [String]) throws -> Output {
        var env: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command]
        if let containerID { env["CNI_CONTAINERID"] = containerID }
        if let netns { env["CNI_NETNS"] = netns }
        if let ifname { env["CNI_IFNAME"] = ifname }
        env["CNI_PATH"] = path ?? (binary as NSString).deletingLastPathComponent
        if let args { env["CNI_ARGS"] = args }
        env.merge(extraEnv) { _, new in new }
        for name in names { env.removeValue(forKey: name) }
        let output = try Shell.run([binary], stdin: Data(config.utf8), environment: env)
        return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }
}
