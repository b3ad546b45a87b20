import Foundation
import Testing

/// Ours and the reference (Debian 1.1.1, which has no txQLen) side by side on twin
/// interfaces: the same result, the same link state after ADD and after DEL.
@Suite("tuning vs reference", .enabled(if: TestEnvironment.canRunNetNSTests))
struct TuningDifferentialTests {
    static let configs = [
        #""mac":"c2:11:22:33:44:55""#,
        #""mtu":1400,"promisc":true"#,
        #""allmulti":true,"sysctl":{"net.ipv4.conf.eth0.arp_notify":"1","net.core.somaxconn":"555"}"#,
        #""mac":"c2:11:22:33:44:56","mtu":1300,"promisc":true,"allmulti":false"#,
        #""args":{"cni":{"mac":"c2:11:22:33:44:57","mtu":1280}}"#,
    ]

    @Test(arguments: configs)
    func sameResultSameStateSameRestore(_ options: String) throws {
        try TuningLab.with { (ours) throws in
            try TuningLab.with { (theirs) throws in
                // Twin interfaces: the same MAC before ADD so the results can match byte for byte.
                try Shell.must(["ip", "-n", theirs.ns.name, "link", "set", "eth0", "address", try ours.linkState().mac])
                let before = try ours.linkState()
                let a = try ours.run("ADD", ours.config(options))
                let b = try theirs.run("ADD", theirs.config(options), reference: true)
                #expect(a.status == 0 && b.status == 0, "ours: \(a.summary) reference: \(b.summary)")
                #expect(Self.normalised(a.json, ours.ns.path) == Self.normalised(b.json, theirs.ns.path),
                        "ours: \(a.stdout) reference: \(b.stdout)")
                #expect(try ours.linkState() == theirs.linkState())
                #expect(try ours.sysctl("net/core/somaxconn") == theirs.sysctl("net/core/somaxconn"))
                let checkA = try ours.run("CHECK", ours.config(options))
                let checkB = try theirs.run("CHECK", theirs.config(options), reference: true)
                #expect(checkA.status == 0 && checkB.status == 0, "ours: \(checkA.summary) reference: \(checkB.summary)")
                #expect(try ours.run("DEL", ours.config(options)).status == 0)
                #expect(try theirs.run("DEL", theirs.config(options), reference: true).status == 0)
                #expect(try ours.linkState() == before)
                #expect(try theirs.linkState() == before)
            }
        }
    }

    /// Both refuse the same bad input (the reference with its generic code 999, ours with 7).
    @Test(arguments: [#""sysctl":{"kernel.hostname":"x"}"#, #""sysctl":{"net/../kernel/hostname":"x"}"#, ""])
    func bothRefuse(_ options: String) throws {
        try TuningLab.with { (lab) throws in
            let config = lab.config(options, withPrevResult: !options.isEmpty)
            let a = try lab.run("ADD", config)
            let b = try lab.run("ADD", config, reference: true)
            #expect(a.status != 0 && b.status != 0, "ours: \(a.summary) reference: \(b.summary)")
            #expect(a.code == 7, "\(a.summary)")
        }
    }

    static func normalised(_ json: [String: Any]?, _ sandbox: String) -> String {
        guard let json, let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) else { return "nil" }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: sandbox.replacingOccurrences(of: "/", with: "\\/"), with: "SANDBOX")
    }
}
