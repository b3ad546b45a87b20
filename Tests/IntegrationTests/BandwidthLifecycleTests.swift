import Foundation
import Testing

/// bandwidth ADD / CHECK / DEL in a node namespace and a pod namespace: the token buckets
/// and the IFB redirect appear, CHECK passes then notices drift, DEL removes everything.
@Suite("bandwidth lifecycle", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BandwidthLifecycleTests {
    static let ingress = #""ingressRate":50000000,"ingressBurst":1000000"#
    static let egress = #""egressRate":40000000,"egressBurst":800000"#

    @Test func ingressLimitIsATokenBucketOnTheHostVeth() throws {
        try BandwidthLab.with { (lab) throws in
            let config = lab.config(Self.ingress)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0, "\(add.summary)")
            #expect(try lab.shapingQdiscs(lab.hostVeth) == ["tbf"])
            let tbf = try lab.tbf(lab.hostVeth)
            #expect(tbf?["rate"] as? Int == 6_250_000, "50 Mbit/s in bytes: \(String(describing: tbf))")
            #expect(tbf?["burst"] as? Int == 125_000, "1 Mbit in bytes: \(String(describing: tbf))")
            #expect(try lab.ifbs().isEmpty)
            let interfaces = add.json?["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces.map { $0["name"] as? String } == [lab.hostVeth, "eth0"], "prevResult unchanged: \(add.summary)")
            #expect(try lab.run("CHECK", config).status == 0)
            #expect(try lab.run("DEL", config).status == 0)
            #expect(try lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    @Test func egressLimitRedirectsToAnIfbWithATokenBucket() throws {
        try BandwidthLab.with { (lab) throws in
            let config = lab.config(Self.egress)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0, "\(add.summary)")
            let ifbs = try lab.ifbs()
            #expect(ifbs.count == 1 && ifbs.first?.hasPrefix("bwp") == true, "\(ifbs)")
            let ifb = ifbs.first ?? ""
            let interfaces = add.json?["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces.count == 3 && interfaces.last?["name"] as? String == ifb, "\(add.summary)")
            #expect((interfaces.last?["mac"] as? String ?? "").count == 17)
            #expect(try lab.shapingQdiscs(lab.hostVeth) == ["ingress"])
            #expect(try lab.tbf(ifb)?["rate"] as? Int == 5_000_000)
            let filters = try Shell.must(["tc", "-n", lab.host.name, "filter", "show", "dev", lab.hostVeth, "ingress"])
            #expect(filters.contains("Egress Redirect to device \(ifb)"), "\(filters)")
            #expect(try lab.run("CHECK", config).status == 0)
            let del = try lab.run("DEL", config)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    /// A host veth whose ingress hook another program already holds: a clsact (the vxlan
    /// plugin's eBPF data path puts one on every pod veth; an ingress qdisc cannot be added
    /// next to it, so ADD used to fail with EEXIST) or a foreign ingress qdisc. The redirect
    /// joins it at priority 1; CHECK passes; DEL removes only the redirect.
    @Test(arguments: ["clsact", "ingress"])
    func egressRedirectJoinsAnIngressHookAlreadyThere(_ kind: String) throws {
        try BandwidthLab.with { (lab) throws in
            try lab.host.run(["tc", "qdisc", "add", "dev", lab.hostVeth, kind])
            // A foreign filter standing in for the vxlan data path's (priority 0x5343).
            try lab.host.run(["tc", "filter", "add", "dev", lab.hostVeth, "ingress", "protocol", "all", "prio", "21315",
                              "u32", "match", "u32", "0", "0", "classid", "1:1"])
            let config = lab.config(Self.egress)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0, "\(add.summary)")
            let ifb = try #require(try lab.ifbs().first)
            #expect(try lab.qdiscs(lab.hostVeth).filter { $0.kind == "ingress" || $0.kind == "clsact" }.map(\.kind) == [kind])
            let filters = try lab.host.run(["tc", "filter", "show", "dev", lab.hostVeth, "ingress"])
            #expect(filters.contains("pref 1 u32") && filters.contains("Egress Redirect to device \(ifb)"), "\(filters)")
            #expect(filters.contains("pref 21315 u32"), "the foreign filter stays: \(filters)")
            #expect(try lab.run("CHECK", config).status == 0)
            // Traffic from the pod passes through the IFB's token bucket.
            try lab.pod.run(["ping", "-c", "2", "-i", "0.2", "-W", "1", lab.hostIP])
            let sent = try Shell.json(["ip", "-n", lab.host.name, "-j", "-s", "link", "show", "dev", ifb]) as? [[String: Any]]
            let packets = ((sent?.first?["stats64"] as? [String: Any])?["tx"] as? [String: Any])?["packets"] as? Int ?? 0
            #expect(packets >= 2, "pings went through \(ifb): \(packets) packets")

            let del = try lab.run("DEL", config)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.qdiscs(lab.hostVeth).map(\.kind).contains(kind), "the hook is not ours to delete")
            let after = try lab.host.run(["tc", "filter", "show", "dev", lab.hostVeth, "ingress"])
            #expect(!after.contains("pref 1 ") && after.contains("pref 21315 u32"), "only the redirect went: \(after)")
        }
    }

    @Test func runtimeConfigBothDirectionsAndDelWithoutPrevResult() throws {
        try BandwidthLab.with { (lab) throws in
            let runtime = #""runtimeConfig":{"bandwidth":{"ingressRate":8000000,"ingressBurst":80000,"egressRate":9000000,"egressBurst":90000}}"#
            let add = try lab.run("ADD", lab.config(runtime))
            #expect(add.status == 0, "\(add.summary)")
            #expect(try lab.shapingQdiscs(lab.hostVeth) == ["ingress", "tbf"])
            #expect(try lab.tbf(lab.hostVeth)?["rate"] as? Int == 1_000_000)
            #expect(try lab.ifbs().count == 1)
            #expect(try lab.run("CHECK", lab.config(runtime)).status == 0)
            for _ in 0..<2 {
                let del = try lab.run("DEL", lab.config("", withPrevResult: false))
                #expect(del.status == 0, "\(del.summary)")
            }
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    @Test func delSucceedsWhenThePodNamespaceIsGone() throws {
        try BandwidthLab.with { (lab) throws in
            let config = lab.config(Self.ingress + "," + Self.egress)
            #expect(try lab.run("ADD", config).status == 0)
            let path = lab.pod.path
            lab.pod.remove()
            let del = try lab.run("DEL", config, netns: path)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try lab.ifbs().isEmpty)
            let empty = try lab.run("DEL", config, netns: "")
            #expect(empty.status == 0, "\(empty.summary)")
        }
    }

    @Test func checkNoticesDrift() throws {
        try BandwidthLab.with { (lab) throws in
            let config = lab.config(Self.ingress + "," + Self.egress)
            #expect(try lab.run("ADD", config).status == 0)
            try Shell.must(["tc", "-n", lab.host.name, "qdisc", "change", "dev", lab.hostVeth, "root", "handle", "1:", "tbf",
                            "rate", "60mbit", "burst", "125000", "latency", "25ms"])
            let rate = try lab.run("CHECK", config)
            #expect(rate.code == 102, "\(rate.summary)")
            try Shell.must(["tc", "-n", lab.host.name, "qdisc", "del", "dev", lab.hostVeth, "ingress"])
            let redirect = try lab.run("CHECK", config)
            #expect(redirect.code == 102 && (redirect.json?["details"] as? String ?? "").contains("redirect"), "\(redirect.summary)")
            #expect(try lab.run("DEL", config).status == 0)
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.shapingQdiscs(lab.hostVeth).isEmpty)
        }
    }

    /// Without limits the plugin changes nothing and passes prevResult through (also without one).
    @Test func noLimitsNoChange() throws {
        try BandwidthLab.with { (lab) throws in
            let add = try lab.run("ADD", lab.config(#""ingressRate":0,"ingressBurst":0"#))
            #expect(add.status == 0 && (add.json?["interfaces"] as? [Any])?.count == 2, "\(add.summary)")
            let bare = try lab.run("ADD", lab.config("", withPrevResult: false))
            #expect(bare.status == 0, "\(bare.summary)")
            #expect(try lab.shapingQdiscs(lab.hostVeth).isEmpty && lab.ifbs().isEmpty)
        }
    }

    @Test(arguments: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    func everyChainingVersion(_ version: String) throws {
        try BandwidthLab.with { (lab) throws in
            let config = lab.config(Self.egress, version: version)
            let add = try lab.run("ADD", config)
            #expect(add.status == 0 && add.json?["cniVersion"] as? String == version, "\(add.summary)")
            if version >= "0.4.0" { #expect(try lab.run("CHECK", config).status == 0) }
            #expect(try lab.run("DEL", config).status == 0)
            #expect(try lab.ifbs().isEmpty)
        }
    }

    @Test func versionsBeforeChainingAreRefused() throws {
        try BandwidthLab.with { (lab) throws in
            let out = try lab.run("ADD", lab.config(Self.egress, version: "0.2.0"))
            #expect(out.code == 1, "\(out.summary)")
        }
    }

    /// GC (1.1.0) deletes this network's IFBs of attachments that are not valid.
    @Test func gcRemovesStaleIfbs() throws {
        try BandwidthLab.with { (lab) throws in
            #expect(try lab.run("ADD", lab.config(Self.egress, version: "1.1.0")).status == 0)
            let keep = #""cni.dev/valid-attachments":[{"containerID":"\#(lab.containerID)","ifname":"eth0"}]"#
            #expect(try lab.run("GC", lab.config(keep, version: "1.1.0", withPrevResult: false)).status == 0)
            #expect(try lab.ifbs().count == 1)
            #expect(try lab.run("GC", lab.config(#""cni.dev/valid-attachments":[]"#, version: "1.1.0", network: "othernet",
                                                 withPrevResult: false)).status == 0)
            #expect(try lab.ifbs().count == 1, "another network's GC leaves it")
            // A retired IFB whose background deletion never ran (made by hand here) goes too.
            try Shell.must(["ip", "-n", lab.host.name, "link", "add", "bwpretired0", "type", "ifb"])
            try Shell.must(["ip", "-n", lab.host.name, "link", "set", "bwpretired0", "alias", "swcni-bandwidth-retired:bwnet"])
            #expect(try lab.run("GC", lab.config(#""cni.dev/valid-attachments":[]"#, version: "1.1.0", withPrevResult: false)).status == 0)
            #expect(try lab.ifbs().isEmpty)
            #expect(try lab.run("STATUS", lab.config("", version: "1.1.0", withPrevResult: false)).status == 0)
        }
    }
}
