import Foundation
import Testing

/// Invalid requests get the right error code and leave no reservation behind.
@Suite("host-local bad input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct HostLocalBadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var label: String
        /// The `ipam` members (JSON text without braces); `DATADIR` is replaced.
        var ipam: String
        var extra: String = ""
        var version: String = "1.0.0"
        var cniArgs: String? = nil
        var code: Int
        var message: String
        var description: String { label }
    }

    static let cases: [Case] = [
        Case(label: "no ranges", ipam: "", code: 7, message: "no IP ranges specified"),
        Case(label: "bad CIDR", ipam: #""ranges":[[{"subnet":"10.80.0.0/40"}]]"#, code: 7, message: "invalid CIDR address"),
        Case(label: "host bits", ipam: #""ranges":[[{"subnet":"10.80.0.1/24"}]]"#, code: 7, message: "Network has host bits set"),
        Case(label: "subnet too small v4", ipam: #""subnet":"10.80.0.0/31""#, code: 7, message: "too small to allocate from"),
        Case(label: "subnet too small v6", ipam: #""ranges":[[{"subnet":"fd80::/127"}]]"#, code: 7, message: "too small to allocate from"),
        Case(label: "rangeStart outside", ipam: #""subnet":"10.80.0.0/24","rangeStart":"10.81.0.1""#, code: 7, message: "not in network 10.80.0.0/24"),
        Case(label: "rangeEnd outside", ipam: #""ranges":[[{"subnet":"10.80.0.0/24","rangeEnd":"10.81.0.1"}]]"#, code: 7, message: "not in network"),
        Case(label: "gateway outside", ipam: #""ranges":[[{"subnet":"10.80.0.0/24","gateway":"10.81.0.1"}]]"#, code: 7, message: "gateway 10.81.0.1 not in network"),
        Case(label: "start after end", ipam: #""ranges":[[{"subnet":"10.80.0.0/24","rangeStart":"10.80.0.9","rangeEnd":"10.80.0.3"}]]"#, code: 7, message: "before start"),
        Case(label: "overlapping sets", ipam: #""ranges":[[{"subnet":"10.80.0.0/24"}],[{"subnet":"10.80.0.0/25"}]]"#, code: 7, message: "range set 0 overlaps with 1"),
        Case(label: "two v4 sets at 0.2.0", ipam: #""ranges":[[{"subnet":"10.80.0.0/24"}],[{"subnet":"10.81.0.0/24"}]]"#, version: "0.2.0",
             code: 7, message: "does not support more than 1 address per family"),
        Case(label: "requested outside every range", ipam: #""subnet":"10.80.0.0/24""#, cniArgs: "IP=10.99.0.5", code: 7,
             message: "failed to allocate all requested IPs: 10.99.0.5"),
        Case(label: "requested gateway", ipam: #""subnet":"10.80.0.0/24""#, extra: #","runtimeConfig":{"ips":["10.80.0.1"]}"#, code: 7,
             message: "is subnet's gateway"),
        Case(label: "requested unparsable (CNI_ARGS)", ipam: #""subnet":"10.80.0.0/24""#, cniArgs: "IP=nope", code: 4, message: "cannot understand ip"),
        Case(label: "requested unparsable (args)", ipam: #""subnet":"10.80.0.0/24""#, extra: #","args":{"cni":{"ips":["nope"]}}"#, code: 7,
             message: "cannot understand ip"),
        Case(label: "ranges wrong type", ipam: #""ranges":{"subnet":"10.80.0.0/24"}"#, code: 6, message: "ipam.ranges"),
        Case(label: "subnet wrong type", ipam: #""ranges":[[{"subnet":["10.80.0.0/24"]}]]"#, code: 6, message: "ipam.ranges[0][0].subnet"),
        Case(label: "routes wrong type", ipam: #""subnet":"10.80.0.0/24","routes":"0.0.0.0/0""#, code: 6, message: "ipam.routes"),
        Case(label: "bad route", ipam: #""subnet":"10.80.0.0/24","routes":[{"dst":"0.0.0.0"}]"#, code: 7, message: "invalid route dst"),
        Case(label: "missing resolvConf", ipam: #""subnet":"10.80.0.0/24","resolvConf":"DATADIR/missing.conf""#, code: 5, message: "cannot read resolvConf"),
    ]

    @Test(arguments: cases)
    func rejected(_ c: Case) throws {
        try HostLocalDataDir.with { (d: HostLocalDataDir) throws in
            let ipam = c.ipam.replacingOccurrences(of: "DATADIR", with: d.path)
            let config = #"{"cniVersion":"\#(c.version)","name":"\#(d.network)","type":"bridge","ipam":{"type":"host-local","dataDir":"\#(d.path)"\#(ipam.isEmpty ? "" : ",")\#(ipam)}\#(c.extra)}"#
            let out = try PluginExec.hostLocal("ADD", config: config, args: c.cniArgs).run()
            #expect(out.status != 0, "[\(c.label)] \(out.summary)")
            #expect(out.code == c.code, "[\(c.label)] \(out.summary)")
            #expect((out.json?["msg"] as? String ?? "").contains(c.message) || (out.json?["details"] as? String ?? "").contains(c.message),
                    "[\(c.label)] \(out.summary)")
            #expect(d.reservations == [] && (d.leftovers == []), "[\(c.label)] nothing left behind: \(d.files)")
        }
    }

    @Test func multiSetExhaustionRollsBack() throws {
        try HostLocalDataDir.with { (d: HostLocalDataDir) throws in
            let config = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.80.0.0/24"}],[{"subnet":"10.81.0.0/30"}]]"#)
            #expect(try PluginExec.hostLocal("ADD", config: config, containerID: "a").run().status == 0)
            let out = try PluginExec.hostLocal("ADD", config: config, containerID: "b").run()
            #expect(out.code == 11, "\(out.summary)")
            #expect(out.json?["msg"] as? String == "failed to allocate for range 1: no IP addresses available in range set: 10.81.0.1-10.81.0.2")
            #expect(d.reservations == ["10.80.0.2", "10.81.0.2"], "b's 10.80.0.3 rolled back: \(d.files)")
        }
    }

    @Test func badEnvironment() throws {
        try HostLocalDataDir.with { (d: HostLocalDataDir) throws in
            let config = d.config("1.0.0")
            #expect(try PluginExec.hostLocal("ADD", config: config, containerID: "bad/id").run().code == 4)
            #expect(try PluginExec.hostLocal("ADD", config: config, ifname: "a:b").run().code == 4)
            #expect(try PluginExec.hostLocal("ADD", config: "{not json").run().code == 6)
            #expect(try PluginExec.hostLocal("ADD", config: d.config("9.9.9")).run().code == 1)
            #expect(try PluginExec.hostLocal("GC", config: d.config("1.1.0")).run().code == 7, "GC without valid-attachments releases nothing")
            #expect(d.reservations == [])
        }
    }
}
