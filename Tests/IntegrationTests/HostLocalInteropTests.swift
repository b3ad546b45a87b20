import Foundation
import Testing

/// Our host-local and Debian's Go host-local (cniVersion 1.0.0) sharing one data dir: a node
/// can switch binaries without losing or leaking reservations.
@Suite("host-local interop with the reference", .enabled(if: TestEnvironment.canRunNetNSTests))
struct HostLocalInteropTests {
    static var referenceInstalled: Bool { FileManager.default.isExecutableFile(atPath: TestEnvironment.reference("host-local")) }

    @Test func sameResultAndFilesAsTheReference() throws {
        try #require(Self.referenceInstalled, "reference host-local missing; run scripts/setup.sh")
        try HostLocalDataDir.with(network: "ours") { ours in
            try HostLocalDataDir.with(network: "theirs") { theirs in
                let ipam = #""ranges":[[{"subnet":"10.79.0.0/24","rangeStart":"10.79.0.10"}],[{"subnet":"fd79::/64"}]],"routes":[{"dst":"0.0.0.0/0"}]"#
                let a = try PluginExec.hostLocal("ADD", config: ours.config("1.0.0", ipam: ipam)).run()
                let b = try PluginExec.hostLocal("ADD", config: theirs.config("1.0.0", ipam: ipam), reference: true).run()
                #expect(a.status == 0 && b.status == 0, "ours: \(a.summary) reference: \(b.summary)")
                let sorted = { (json: [String: Any]?) -> String in
                    String(decoding: try! JSONSerialization.data(withJSONObject: json ?? [:], options: [.sortedKeys]), as: UTF8.self)
                }
                #expect(sorted(a.json) == sorted(b.json))
                #expect(ours.reservations == theirs.reservations)
                for name in ours.reservations + ["last_reserved_ip.0", "last_reserved_ip.1"] {
                    #expect(ours.content(name) == theirs.content(name), "\(name) byte-identical")
                }
            }
        }
    }

    @Test func eachReleasesTheOthersReservations() throws {
        try #require(Self.referenceInstalled, "reference host-local missing; run scripts/setup.sh")
        try HostLocalDataDir.with { d in
            let config = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.79.0.0/24"}],[{"subnet":"fd79::/64"}]]"#)
            // Ours reserves, the reference releases.
            #expect(try PluginExec.hostLocal("ADD", config: config, containerID: "mine").run().status == 0)
            let refCheck = try PluginExec.hostLocal("CHECK", config: config, containerID: "mine", reference: true).run()
            #expect(refCheck.status == 0, "the reference finds our reservation: \(refCheck.summary)")
            let refDel = try PluginExec.hostLocal("DEL", config: config, containerID: "mine", reference: true).run()
            #expect(refDel.status == 0, "\(refDel.summary)")
            #expect(d.reservations == [], "the reference released ours: \(d.files)")
            // Our stale index entry is harmless: a new ADD of the same attachment works.
            #expect(try PluginExec.hostLocal("ADD", config: config, containerID: "mine").run().status == 0)
            #expect(try PluginExec.hostLocal("DEL", config: config, containerID: "mine").run().status == 0)

            // The reference reserves, ours checks and releases (full scan: no index entry).
            let theirs = try PluginExec.hostLocal("ADD", config: config, containerID: "theirs", reference: true).run()
            #expect(theirs.status == 0)
            #expect(d.reservations.count == 2)
            // CHECK needs the ADD result as prevResult (ours refuses a CHECK without one).
            let checkConfig = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.79.0.0/24"}],[{"subnet":"fd79::/64"}]]"#, prevResult: theirs.stdout)
            let check = try PluginExec.hostLocal("CHECK", config: checkConfig, containerID: "theirs").run()
            #expect(check.status == 0, "\(check.summary)")
            let del = try PluginExec.hostLocal("DEL", config: config, containerID: "theirs").run()
            #expect(del.status == 0, "\(del.summary)")
            #expect(d.leftovers == [], "\(d.files)")
        }
    }

    @Test func alternatingAllocationsNeverCollide() throws {
        try #require(Self.referenceInstalled, "reference host-local missing; run scripts/setup.sh")
        try HostLocalDataDir.with { d in
            let config = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.79.0.0/28"}]]"#)
            var seen: [String: String] = [:]
            // 13 addresses (.2-.14); alternate until the range is full.
            for i in 0..<13 {
                let reference = i % 2 == 1
                let out = try PluginExec.hostLocal("ADD", config: config, containerID: "alt\(i)", reference: reference).run()
                #expect(out.status == 0, "\(reference ? "reference" : "ours") ADD #\(i): \(out.summary)")
                let address = ((out.json?["ips"] as? [[String: Any]])?.first?["address"] as? String) ?? "?"
                #expect(seen[address] == nil, "\(address) handed out twice")
                seen[address] = "alt\(i)"
                #expect(address == "10.79.0.\(i + 2)/28", "round-robin continues across binaries")
            }
            let oursFull = try PluginExec.hostLocal("ADD", config: config, containerID: "x").run()
            let theirsFull = try PluginExec.hostLocal("ADD", config: config, containerID: "y", reference: true).run()
            #expect(oursFull.status != 0 && theirsFull.status != 0)
            // Release half with each binary, in the opposite roles.
            for i in 0..<13 {
                let out = try PluginExec.hostLocal("DEL", config: config, containerID: "alt\(i)", reference: i % 2 == 0).run()
                #expect(out.status == 0, "\(out.summary)")
            }
            #expect(d.reservations == [], "every reservation released: \(d.files)")
            // The reference cannot remove our index entries of the attachments it released:
            // they stay as stale hints (verified before any use) until our DEL or GC.
            let index = (try? FileManager.default.contentsOfDirectory(atPath: "\(d.networkPath)/.swift-cni")) ?? []
            #expect(index.sorted() == stride(from: 0, to: 13, by: 2).map { "alt\($0):eth0" }.sorted())
            let gc = try PluginExec.hostLocal("GC", config: d.config("1.1.0", ipam: #""ranges":[[{"subnet":"10.79.0.0/28"}]]"#,
                                                                     extra: #","cni.dev/valid-attachments":[]"#)).run()
            #expect(gc.status == 0, "\(gc.summary)")
            #expect(d.leftovers == [], "\(d.files)")
        }
    }
}
