import Foundation
import Testing

/// Bad tuning input: a clear error with the right code, and nothing changed or left behind.
@Suite("tuning bad input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct TuningBadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var options: String
        var code: Int
        var withPrevResult = true
        var testDescription: String { name }
    }

    /// Each case also sets the MTU and a valid sysctl first: neither may stick.
    static let cases: [Case] = [
        Case(name: "no prevResult", options: "", code: 7, withPrevResult: false),
        Case(name: "sysctl outside net", options: #""sysctl":{"kernel.hostname":"x"}"#, code: 7),
        Case(name: "path escape", options: #""sysctl":{"net/core/../../kernel/hostname":"x"}"#, code: 7),
        Case(name: "dotted escape", options: #""sysctl":{"net.core....kernel.hostname":"x"}"#, code: 7),
        Case(name: "duplicate key", options: #""sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}"#, code: 7),
        Case(name: "same file twice", options: #""sysctl":{"net.ipv4.conf.IFNAME.arp_notify":"1","net.ipv4.conf.eth0.arp_notify":"0"}"#, code: 7),
        Case(name: "bad MAC", options: #""mac":"c2:11:22:33:44""#, code: 7),
        Case(name: "negative txQLen", options: #""txQLen":-5"#, code: 7),
        Case(name: "wrong type", options: #""promisc":"yes""#, code: 6),
        Case(name: "missing sysctl file", options: #""sysctl":{"net.core.no_such_knob":"1"}"#, code: 101),
        Case(name: "MTU the kernel refuses", options: #""mac":"c2:11:22:33:44:59","mtu":70000"#, code: 101),
    ]

    @Test(arguments: cases)
    func refusedWithoutTrace(_ c: Case) throws {
        try TuningLab.with { (lab) throws in
            let before = try lab.linkState()
            let arpBefore = try lab.sysctl("net/ipv4/conf/eth0/arp_notify")
            let prefix = #""txQLen":999,"#
            let options = c.options.isEmpty ? #""txQLen":999"# : prefix + c.options
            let config = lab.config(options, withPrevResult: c.withPrevResult)
            let out = try lab.run("ADD", config)
            #expect(out.status != 0 && out.code == c.code, "\(out.summary)")
            #expect((out.json?["msg"] as? String)?.isEmpty == false, "\(out.summary)")
            #expect(try lab.linkState() == before, "link unchanged")
            #expect(try lab.sysctl("net/ipv4/conf/eth0/arp_notify") == arpBefore)
            #expect(lab.backupFiles.isEmpty, "no backup left")
        }
    }

    @Test func aMissingInterfaceIsCode100() throws {
        try TuningLab.with { (lab) throws in
            try Shell.must(["ip", "-n", lab.ns.name, "link", "del", "eth0"])
            let out = try lab.run("ADD", lab.config(#""mtu":1400"#))
            #expect(out.code == 100, "\(out.summary)")
            #expect(lab.backupFiles.isEmpty)
        }
    }

    /// A rolled-back ADD restores the sysctls it wrote before failing.
    @Test func aFailedSysctlRollsBackEarlierOnes() throws {
        try TuningLab.with { (lab) throws in
            let before = try lab.sysctl("net/core/somaxconn")
            let out = try lab.run("ADD", lab.config(#""sysctl":{"net.core.somaxconn":"901","net.ipv4.conf.IFNAME.no_such":"1"}"#))
            #expect(out.code == 101, "\(out.summary)")
            #expect(try lab.sysctl("net/core/somaxconn") == before)
        }
    }

    /// The allow-list: only matching keys are accepted (the file is the reference's
    /// /etc/cni/tuning/allowlist.conf; tests point SWIFT_CNI_TUNING_ALLOWLIST at their own).
    @Test func theAllowListIsHonoured() throws {
        try TuningLab.with { (lab) throws in
            let list = lab.dataDir + "/../" + TestEnvironment.uniqueName("allow") + ".conf"
            try "^net\\.ipv4\\.conf\\.IFNAME\\.arp_notify$\n\n  ^net\\.core\\.somaxconn$  \n".write(toFile: list, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: list) }
            let env = ["SWIFT_CNI_TUNING_ALLOWLIST": list]
            let refused = try lab.run("ADD", lab.config(#""sysctl":{"net.core.somaxconn":"700","net.ipv4.ip_forward":"1"}"#), env: env)
            #expect(refused.code == 7, "\(refused.summary)")
            #expect((refused.json?["msg"] as? String ?? "").contains("net.ipv4.ip_forward"), "\(refused.summary)")
            #expect(try lab.sysctl("net/ipv4/ip_forward") == "0")
            #expect(try lab.sysctl("net/core/somaxconn") != "700")
            let allowed = lab.config(#""sysctl":{"net.core.somaxconn":"700","net.ipv4.conf.IFNAME.arp_notify":"1"}"#)
            let ok = try lab.run("ADD", allowed, env: env)
            #expect(ok.status == 0, "\(ok.summary)")
            #expect(try lab.run("DEL", allowed, env: env).status == 0)
        }
    }
}
