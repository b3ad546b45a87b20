import Foundation
import Testing

/// Concurrent first ADDs on a bridge that does not exist yet race to create it and to put
/// the gateway on it (the reference's plugins#366): every ADD must succeed, addresses unique.
@Suite("bridge concurrency", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeConcurrencyTests {
    @Test func concurrentFirstAddsAllSucceed() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isDefaultGateway":true,"ipMasq":true"#, ipam: h.ipam())
            let count = 16
            var made: [TestNamespace] = []
            for _ in 0..<count { made.append(try h.newContainer()) }
            let containers = made
            let outputs = Outputs(count: count)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                outputs.set(i, try? h.exec("ADD", config: config, container: containers[i], containerID: "par-\(i)"))
            }
            var addresses = Set<String>()
            for i in 0..<count {
                let out = try #require(outputs.get(i))
                #expect(out.status == 0, "ADD \(i): \(out.summary)")
                out.addresses.forEach { addresses.insert($0) }
            }
            #expect(addresses.count == 2 * count, "no duplicate addresses")
            #expect(Set(try h.hostAddresses(h.bridge)) == ["10.88.0.1/24", "fd88::1/64"])
            #expect(try h.ping(from: containers[0], "10.88.0.1"), "the gateway answers")
            DispatchQueue.concurrentPerform(iterations: count) { i in
                outputs.set(i, try? h.exec("DEL", config: config, container: containers[i], containerID: "par-\(i)"))
            }
            for i in 0..<count {
                #expect(outputs.get(i)?.status == 0, "DEL \(i): \(outputs.get(i)?.summary ?? "no output")")
            }
            #expect(try h.hostVeths().isEmpty)
            #expect(try h.reservations().isEmpty)
            try h.expectOnlyNetworkForwardAccepts()
        }
    }
}

final class Outputs: @unchecked Sendable {
    private var values: [PluginExec.Output?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: PluginExec.Output?) { lock.lock(); values[i] = value; lock.unlock() }
    func get(_ i: Int) -> PluginExec.Output? { lock.lock(); defer { lock.unlock() }; return values[i] }
}
