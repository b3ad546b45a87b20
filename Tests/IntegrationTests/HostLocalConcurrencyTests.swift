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
}
