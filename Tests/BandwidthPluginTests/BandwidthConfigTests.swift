import CNISpec
import Netlink
import Testing

@testable import BandwidthPlugin

enum Fixture {
    static func config(_ extra: String = "") throws(CNIError) -> BandwidthConfig {
        let comma = extra.isEmpty ? "" : ","
        let json = #"{"cniVersion":"1.0.0","name":"net1","type":"bandwidth"\#(comma)\#(extra)}"#
        let bytes = Array(json.utf8)
        guard case .object(let object) = try? JSONParser.parse(bytes) else { fatalError("fixture is not JSON: \(json)") }
        return try BandwidthConfig(config: try NetConf(bytes: bytes, object: object, version: .v1_0_0))
    }

    static func code(_ extra: String) -> Int? {
        do {
            _ = try config(extra)
            return nil
        } catch {
            return error.code.rawValue
        }
    }
}

@Suite("BandwidthConfig")
struct BandwidthConfigTests {
    @Test func noLimitsByDefault() throws {
        #expect(try Fixture.config().limits.isZero)
    }

    @Test func staticValues() throws {
        let c = try Fixture.config(#""ingressRate":1000000,"ingressBurst":80000,"egressRate":2000000,"egressBurst":160000"#)
        #expect(c.limits == BandwidthLimits(ingressRate: 1_000_000, ingressBurst: 80_000, egressRate: 2_000_000, egressBurst: 160_000))
        #expect(c.limits.limitsIngress && c.limits.limitsEgress && c.network == "net1")
    }

    @Test func runtimeConfigIsUsedOnlyWithoutStaticValues() throws {
        let runtime = #""runtimeConfig":{"bandwidth":{"ingressRate":8000,"ingressBurst":800}}"#
        #expect(try Fixture.config(runtime).limits == BandwidthLimits(ingressRate: 8000, ingressBurst: 800))
        let both = #""egressRate":16000,"egressBurst":1600,"# + runtime
        #expect(try Fixture.config(both).limits == BandwidthLimits(egressRate: 16000, egressBurst: 1600))
    }

    @Test func referenceValidation() {
        #expect(Fixture.code(#""ingressRate":1000"#) == 7)
        #expect(Fixture.code(#""ingressBurst":1000"#) == 7)
        #expect(Fixture.code(#""egressRate":1000,"egressBurst":0"#) == 7)
        #expect(Fixture.code(#""runtimeConfig":{"bandwidth":{"egressBurst":100}}"#) == 7)
        #expect(Fixture.code(#""ingressRate":1000,"ingressBurst":34359738360"#) == 7, "burst/8 = 2^32-1: 4 GiB")
        #expect(Fixture.code(#""ingressRate":1000,"ingressBurst":34359738352"#) == nil, "just under 4 GiB")
        #expect(Fixture.code(#""ingressRate":4,"ingressBurst":800"#) == 7, "under a byte per second")
    }

    @Test func wrongTypesAreDecodingErrors() {
        #expect(Fixture.code(#""ingressRate":-1,"ingressBurst":10"#) == 6)
        #expect(Fixture.code(#""ingressRate":1.5,"ingressBurst":10"#) == 6)
        #expect(Fixture.code(#""ingressRate":"1000","ingressBurst":10"#) == 6)
        #expect(Fixture.code(#""runtimeConfig":{"bandwidth":[]}"#) == 6)
    }

    /// The reference's arithmetic: buffer = burst time in ticks, limit = 25 ms of rate + burst.
    @Test func tokenBucketAsTheReferenceComputesIt() throws {
        let clock = PacketSchedulerClock(procText: "000003e8 00000040 000f4240 3b9aca00\n")!
        #expect(clock.ticksPerMicrosecond == 15.625)
        let bucket = try BandwidthConfig.tokenBucket(rate: 50_000_000, burst: 50_000_000, clock: clock)
        // 6,250,000 B/s; burst 6,250,000 B = 1 s = 1,000,000 µs = 15,625,000 ticks.
        #expect(bucket == TokenBucket(rate: 6_250_000, buffer: 15_625_000, limit: 156_250 + 6_250_000))
        #expect(throws: CNIError.self) { _ = try BandwidthConfig.tokenBucket(rate: 8, burst: 8_000_000_000, clock: clock) }
    }

    @Test func ifbNamesAreDeterministicShortAndPerInterface() {
        let a = IfbName.make(network: "net1", containerID: "c1", ifName: "eth0")
        #expect(a == IfbName.make(network: "net1", containerID: "c1", ifName: "eth0"))
        #expect(a.utf8.count == 15 && a.hasPrefix("bwp"))
        #expect(a != IfbName.make(network: "net1", containerID: "c1", ifName: "eth1"))
        #expect(a != IfbName.make(network: "net2", containerID: "c1", ifName: "eth0"))
    }
}
