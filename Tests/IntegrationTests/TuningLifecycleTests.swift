import Foundation
import Testing

/// tuning ADD / CHECK / DEL on a real interface: each option takes effect, CHECK passes and
/// then notices drift, DEL puts the original values back and removes the backup.
@Suite("tuning lifecycle", .enabled(if: TestEnvironment.canRunNetNSTests))
struct TuningLifecycleTests {
    struct Option: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        /// The link state after ADD, from the state before it.
        var expect: @Sendable (LinkState) -> LinkState
        var testDescription: String { name }
    }

    static let options: [Option] = [
        Option(name: "mac", json: #""mac":"c2:11:22:33:44:55""#) { var s = $0; s.mac = "c2:11:22:33:44:55"; return s },
        Option(name: "mtu", json: #""mtu":1400"#) { var s = $0; s.mtu = 1400; return s },
        Option(name: "promisc", json: #""promisc":true"#) { var s = $0; s.promisc = true; return s },
        Option(name: "allmulti", json: #""allmulti":true"#) { var s = $0; s.allmulti = true; return s },
        Option(name: "txQLen", json: #""txQLen":321"#) { var s = $0; s.txqlen = 321; return s },
        Option(name: "all", json: #""mac":"c2:11:22:33:44:56","mtu":1300,"promisc":true,"allmulti":true,"txQLen":77"#) { _ in
            LinkState(mac: "c2:11:22:33:44:56", mtu: 1300, promisc: true, allmulti: true, txqlen: 77)
        },
    ]

    @Test(arguments: options)
    func linkOptionIsAppliedCheckedAndRestored(_ option: Option) throws {
        try TuningLab.with { (lab) throws in
            let before = try lab.linkState()
            let config = lab.config(option.json)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0, "\(add.summary)")
            #expect(try lab.linkState() == option.expect(before))
            #expect(lab.backupFiles == ["\(lab.containerID)_eth0.json"])
            let check = try lab.run("CHECK", config)
            #expect(check.status == 0, "\(check.summary)")
            let del = try lab.run("DEL", config)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try lab.linkState() == before, "restored at DEL")
            #expect(lab.backupFiles.isEmpty)
        }
    }

    @Test func sysctlsAreSetInTheContainerCheckedAndRestored() throws {
        try TuningLab.with { (lab) throws in
            let (arpBefore, somaxBefore) = (try lab.sysctl("net/ipv4/conf/eth0/arp_notify"), try lab.sysctl("net/core/somaxconn"))
            let hostSomaxconn = try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)
            let config = lab.config(#""sysctl":{"net.ipv4.conf.IFNAME.arp_notify":"1","net.core.somaxconn":"777","net/ipv4/tcp_rmem":"4096 87380 1000000"}"#)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0, "\(add.summary)")
            #expect(try lab.sysctl("net/ipv4/conf/eth0/arp_notify") == "1")
            #expect(try lab.sysctl("net/core/somaxconn") == "777")
            #expect(try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8) == hostSomaxconn, "host untouched")
            // tcp_rmem reads back with tabs; CHECK compares the fields.
            let check = try lab.run("CHECK", config)
            #expect(check.status == 0, "\(check.summary)")
            try lab.ns.run(["sysctl", "-q", "-w", "net.core.somaxconn=778"])
            let drift = try lab.run("CHECK", config)
            #expect(drift.code == 102, "\(drift.summary)")
            #expect((drift.json?["details"] as? String ?? "").contains("somaxconn"), "\(drift.summary)")
            let del = try lab.run("DEL", config)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try lab.sysctl("net/ipv4/conf/eth0/arp_notify") == arpBefore)
            #expect(try lab.sysctl("net/core/somaxconn") == somaxBefore)
        }
    }

    @Test func checkNoticesLinkDrift() throws {
        try TuningLab.with { (lab) throws in
            let config = lab.config(#""mtu":1400,"mac":"c2:11:22:33:44:57","allmulti":true,"txQLen":50"#)
            #expect(try lab.run("ADD", config).status == 0)
            for change in [["mtu", "1450"], ["address", "c2:11:22:33:44:58"], ["allmulticast", "off"], ["txqueuelen", "51"]] {
                let state = try lab.linkState()
                try Shell.must(["ip", "-n", lab.ns.name, "link", "set", "eth0"] + change)
                let check = try lab.run("CHECK", config)
                #expect(check.code == 102, "\(change): \(check.summary)")
                try Shell.must(["ip", "-n", lab.ns.name, "link", "set", "eth0", "mtu", "\(state.mtu)", "address", state.mac,
                                "allmulticast", state.allmulti ? "on" : "off", "txqueuelen", "\(state.txqlen)"])
            }
            #expect(try lab.run("CHECK", config).status == 0)
            #expect(try lab.run("DEL", config).status == 0)
        }
    }

    /// The MAC may come from CNI_ARGS, runtimeConfig or args.cni; the result carries the new MAC.
    @Test func perAttachmentInputsAndTheResultMAC() throws {
        try TuningLab.with { (lab) throws in
            let config = lab.config(#""mac":"c2:00:00:00:00:01","runtimeConfig":{"mac":"c2:00:00:00:00:03"},"args":{"cni":{"mtu":1280,"promisc":true}}"#)
            let add = try lab.run("ADD", config, args: "IgnoreUnknown=1;MAC=c2:00:00:00:00:02")
            #expect(add.status == 0, "\(add.summary)")
            let interfaces = add.json?["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces.first?["mac"] as? String == "c2:00:00:00:00:03", "\(add.summary)")
            #expect((add.json?["ips"] as? [[String: Any]])?.first?["address"] as? String == "10.9.0.5/24")
            let state = try lab.linkState()
            #expect(state.mac == "c2:00:00:00:00:03" && state.mtu == 1280 && state.promisc)
            #expect(try lab.run("CHECK", config, args: "MAC=c2:00:00:00:00:02").status == 0)
            #expect(try lab.run("DEL", config).status == 0)
        }
    }

    /// A repeated ADD (a runtime retrying) must not record the first ADD's values as originals.
    @Test func aRepeatedAddKeepsTheTrueOriginals() throws {
        try TuningLab.with { (lab) throws in
            let before = try lab.linkState()
            let somaxconn = try lab.sysctl("net/core/somaxconn")
            #expect(try lab.run("ADD", lab.config(#""mtu":1400,"sysctl":{"net.core.somaxconn":"701"}"#)).status == 0)
            #expect(try lab.run("ADD", lab.config(#""mtu":1300,"promisc":true,"sysctl":{"net.core.somaxconn":"702"}"#)).status == 0)
            #expect(try lab.linkState().mtu == 1300)
            #expect(try lab.run("DEL", lab.config("", withPrevResult: false)).status == 0)
            #expect(try lab.linkState() == before)
            #expect(try lab.sysctl("net/core/somaxconn") == somaxconn)
        }
    }

    @Test func delIsIdempotentAndNeedsNoPrevResult() throws {
        try TuningLab.with { (lab) throws in
            let before = try lab.linkState()
            #expect(try lab.run("ADD", lab.config(#""mtu":1400"#)).status == 0)
            let bare = lab.config("", withPrevResult: false)
            for _ in 0..<2 {
                let del = try lab.run("DEL", bare)
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect(try lab.linkState() == before)
            #expect(lab.backupFiles.isEmpty)
        }
    }

    @Test func delSucceedsWhenTheNamespaceIsGoneOrUnnamed() throws {
        try TuningLab.with { (lab) throws in
            let config = lab.config(#""mtu":1400"#)
            #expect(try lab.run("ADD", config).status == 0)
            let path = lab.ns.path
            lab.ns.remove()
            let gone = try lab.run("DEL", config, netns: path)
            #expect(gone.status == 0, "\(gone.summary)")
            #expect(lab.backupFiles.isEmpty)
            let empty = try lab.run("DEL", config, netns: "")
            #expect(empty.status == 0, "\(empty.summary)")
        }
    }

    @Test(arguments: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    func everyChainingVersion(_ version: String) throws {
        try TuningLab.with { (lab) throws in
            let config = lab.config(#""mtu":1400"#, version: version)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0 && add.json?["cniVersion"] as? String == version, "\(add.summary)")
            if version >= "0.4.0" { #expect(try lab.run("CHECK", config).status == 0) }
            #expect(try lab.run("DEL", config).status == 0)
            #expect(try lab.linkState().mtu == 1500)
        }
    }

    /// GC (1.1.0) removes this network's backups of attachments that are not valid.
    @Test func gcRemovesStaleBackups() throws {
        try TuningLab.with { (lab) throws in
            #expect(try lab.run("ADD", lab.config(#""mtu":1400"#, version: "1.1.0")).status == 0)
            #expect(lab.backupFiles.count == 1)
            let keep = #""cni.dev/valid-attachments":[{"containerID":"\#(lab.containerID)","ifname":"eth0"}]"#
            #expect(try lab.run("GC", lab.config(keep, version: "1.1.0", withPrevResult: false)).status == 0)
            #expect(lab.backupFiles.count == 1, "a valid attachment's backup stays")
            let other = #"{"cniVersion":"1.1.0","name":"othernet","type":"tuning","dataDir":"\#(lab.dataDir)","cni.dev/valid-attachments":[]}"#
            #expect(try lab.run("GC", other).status == 0)
            #expect(lab.backupFiles.count == 1, "another network's GC leaves it")
            let none = #""cni.dev/valid-attachments":[]"#
            #expect(try lab.run("GC", lab.config(none, version: "1.1.0", withPrevResult: false)).status == 0)
            #expect(lab.backupFiles.isEmpty)
            #expect(try lab.run("STATUS", lab.config("", version: "1.1.0", withPrevResult: false)).status == 0)
        }
    }
}
