import Foundation
import Testing

/// Acceptance: TCP through a 50 Mbit/s limit lands within ±10 % of it, in both directions
/// (iperf3 between the pod and node namespaces; figures printed).
@Suite("bandwidth throughput", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct BandwidthThroughputTests {
    static let limit = 50.0
    static let tolerance = 0.10

    @Test func fiftyMegabitsBothWays() throws {
        try BandwidthLab.with { (lab) throws in
            let options = #""ingressRate":50000000,"ingressBurst":1000000,"egressRate":50000000,"egressBurst":1000000"#
            let unshapedFromPod = try lab.iperf(fromPod: true, seconds: 2, port: 5301)
            let add = try lab.run("ADD", lab.config(options))
            #expect(add.status == 0, "\(add.summary)")
            let fromPod = try lab.iperf(fromPod: true, port: 5302)
            let toPod = try lab.iperf(fromPod: false, port: 5303)
            print(String(format: "bandwidth throughput: unshaped pod->node %.0f Mbit/s; limit %.0f Mbit/s: pod->node (egress) %.2f Mbit/s (%.1f%%), node->pod (ingress) %.2f Mbit/s (%.1f%%)",
                         unshapedFromPod, Self.limit, fromPod, (fromPod / Self.limit - 1) * 100, toPod, (toPod / Self.limit - 1) * 100))
            #expect(abs(fromPod - Self.limit) <= Self.limit * Self.tolerance, "egress \(fromPod) Mbit/s")
            #expect(abs(toPod - Self.limit) <= Self.limit * Self.tolerance, "ingress \(toPod) Mbit/s")
            #expect(try lab.run("DEL", lab.config(options)).status == 0)
        }
    }
}
