import Foundation
import Testing

/// Many host-local processes at once on one network: the flock serialises them.
@Suite("host-local concurrency", .enabled(if: TestEnvironment.canRunNetNSTests))
struct HostLocalConcurrencyTests {
    @Test func sixtyFourConcurrentAddsThenDels() throws {
        try HostLocalDataDir.with { d in
            let config = d.config("1.0.0", ipam: #""ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]]"#)
            let ids = (0..<64).map { "par-\($0)" }
            let adds = try ParallelExec.run(ids.map { PluginExec.hostLocal("ADD", config: config, containerID: $0) })
            #expect(adds.allSatisfy { $0.status == 0 }, "\(adds.filter { $0.status != 0 }.map(\.summary))")
            let addresses = adds.flatMap { ($0.json?["ips"] as? [[String: Any]] ?? []).compactMap { $0["address"] as? String } }
            #expect(addresses.count == 128)
            #expect(Set(addresses).count == 128, "every address is distinct")
            #expect(d.reservations.count == 128)
            // Every reservation file names the container that printed its address.
            for (id, out) in zip(ids, adds) {
                for address in (out.json?["ips"] as? [[String: Any]] ?? []).compactMap({ $0["address"] as? String }) {
                    let ip = String(address.split(separator: "/")[0])
                    #expect(d.content(ip) == "\(id)\r\neth0")
                }
            }
            let dels = try ParallelExec.run(ids.map { PluginExec.hostLocal("DEL", config: config, containerID: $0) })
            #expect(dels.allSatisfy { $0.status == 0 }, "\(dels.filter { $0.status != 0 }.map(\.summary))")
            #expect(d.leftovers == [], "only lock and last_reserved_ip.* remain: \(d.files)")
        }
    }

    /// ADDs killed with SIGKILL at random points: DEL of each attachment, or one GC, leaves
    /// only `lock` and `last_reserved_ip.*`, and never a half-written reservation file.
    @Test(arguments: ["DEL", "GC"])
    func killedAddsAreReclaimed(_ cleanup: String) throws {
        try HostLocalDataDir.with { d in
            let config = d.config("1.1.0", ipam: #""ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]]"#)
            var generator = SystemRandomNumberGenerator()
            let ids = (0..<40).map { "kill-\($0)" }
            for id in ids {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: TestEnvironment.binary("host-local"))
                process.environment = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": id, "CNI_NETNS": "/dev/null",
                                       "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]
                let input = Pipe()
                process.standardInput = input
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                input.fileHandleForWriting.write(Data(config.utf8))
                try input.fileHandleForWriting.close()
                usleep(UInt32.random(in: 0...2500, using: &generator))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            for name in d.reservations {
                let text = d.content(name) ?? ""
                #expect(ids.contains { text == "\($0)\r\neth0" }, "\(name) holds a complete record: \(text.debugDescription)")
            }
            if cleanup == "DEL" {
                for id in ids {
                    let out = try PluginExec.hostLocal("DEL", config: config, containerID: id).run()
                    #expect(out.status == 0, "\(out.summary)")
                }
            } else {
                let gc = try PluginExec.hostLocal("GC", config: d.config("1.1.0", ipam: #""ranges":[[{"subnet":"10.78.0.0/24"}]]"#,
                                                                         extra: #","cni.dev/valid-attachments":[]"#)).run()
                #expect(gc.status == 0, "\(gc.summary)")
            }
            #expect(d.leftovers == [], "after \(cleanup): \(d.files)")
        }
    }
}
