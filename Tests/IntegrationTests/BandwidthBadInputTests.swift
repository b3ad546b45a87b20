import Foundation
import Testing

/// Bad bandwidth input: a clear error with the right code, no IFB and no qdisc left.
@Suite("bandwidth bad input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BandwidthBadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var options: String
        var code: Int
        var withPrevResult = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "rate without burst", options: #""ingressRate":1000000"#, code: 7),
        Case(name: "burst without rate", options: #""egressBurst":1000000"#, code: 7),
        Case(name: "burst of 4 GiB", options: #""egressRate":1000000,"egressBurst":34359738360"#, code: 7),
        Case(name: "runtimeConfig rate without burst", options: #""runtimeConfig":{"bandwidth":{"egressRate":100}}"#, code: 7),
        Case(name: "negative rate", options: #""ingressRate":-1,"ingressBurst":1000"#, code: 6),
        Case(name: "no prevResult", options: #""ingressRate":1000000,"ingressBurst":100000"#, code: 7, withPrevResult: false),
    ]

    @Test(arguments: cases)
    func refusedWithoutTrace(_ c: Case) throws {
        try BandwidthLab.with { (lab) throws in
            let out = try lab.run("ADD", lab.config(c.options, withPrevResult: c.withPrevResult))
            #expect(out.status != 0 && out.code == c.code, "\(out.summary)")
            #expect((out.json?["msg"] as? String)?.isEmpty == false, "\(out.summary)")
            #expect(try lab.ifbs().isEmpty && lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    /// The host end must be listed in prevResult without a sandbox, as the reference requires.
    @Test func aHostVethMissingFromPrevResultIsRefused() throws {
        try BandwidthLab.with { (lab) throws in
            let prev = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"\#(lab.pod.path)"}],"ips":[]}"#
            let config = #"{"cniVersion":"1.0.0","name":"bwnet","type":"bandwidth","egressRate":1000000,"egressBurst":100000,"prevResult":\#(prev)}"#
            let out = try lab.run("ADD", config)
            #expect(out.code == 100, "\(out.summary)")
            #expect(try lab.ifbs().isEmpty && lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    @Test func aContainerInterfaceThatIsNoVethIsRefused() throws {
        try BandwidthLab.with { (lab) throws in
            try Shell.must(["ip", "-n", lab.pod.name, "link", "del", "eth0"])
            try Shell.must(["ip", "-n", lab.pod.name, "link", "add", "eth0", "type", "ifb"])
            let out = try lab.run("ADD", lab.config(BandwidthLifecycleTests.egress))
            #expect(out.code == 100, "\(out.summary)")
            #expect(try lab.ifbs().isEmpty)
        }
    }

    /// A failure half-way (a foreign ingress filter already holding priority 1 for another
    /// protocol, so the redirect cannot be added) undoes the token bucket and the IFB made
    /// before it, and leaves the foreign qdisc and filter alone.
    @Test func aFailureHalfWayRollsBack() throws {
        try BandwidthLab.with { (lab) throws in
            try Shell.must(["tc", "-n", lab.host.name, "qdisc", "add", "dev", lab.hostVeth, "ingress"])
            try Shell.must(["tc", "-n", lab.host.name, "filter", "add", "dev", lab.hostVeth, "ingress", "protocol", "ip", "prio", "1",
                            "u32", "match", "u32", "0", "0", "classid", "1:1"])
            let out = try lab.run("ADD", lab.config(BandwidthLifecycleTests.ingress + "," + BandwidthLifecycleTests.egress))
            #expect(out.code == 101, "\(out.summary)")
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.shapingQdiscs(lab.hostVeth) == ["ingress"], "only the foreign ingress qdisc")
            let filters = try Shell.must(["tc", "-n", lab.host.name, "filter", "show", "dev", lab.hostVeth, "ingress"])
            #expect(filters.contains("protocol ip pref 1 u32") && !filters.contains("mirred"), "\(filters)")
        }
    }
}
