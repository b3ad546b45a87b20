import CNISpec
import Netlink
import Testing

@testable import BandwidthPlugin
import JSONSupport

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
        let bucket = BandwidthConfig.tokenBucket(rate: 50_000_000, burst: 50_000_000, clock: clock)
        // 6,250,000 B/s; burst 6,250,000 B = 1 s = 1,000,000 µs = 15,625,000 ticks.
        #expect(bucket == TokenBucket(rate: 6_250_000, buffer: 15_625_000, limit: 156_250 + 6_250_000))
    }

    /// The bursts the Kubernetes runtimes send for a pod's bandwidth annotation ("no burst
    /// limit"): the buffer and the queue limit are capped at the kernel's 32-bit maximum
    /// instead of being refused (which failed the pod's ADD) or wrapped (the reference).
    @Test func kubernetesRuntimeBurstsAreCappedAtTheKernelsMaximum() throws {
        let clock = PacketSchedulerClock(procText: "000003e8 00000040 000f4240 3b9aca00\n")!
        // containerd: 2^32-1 bits at 10 Mbit/s = 429.5 s = 6.7e9 ticks.
        let containerd = BandwidthConfig.tokenBucket(rate: 10_000_000, burst: 4_294_967_295, clock: clock)
        #expect(containerd == TokenBucket(rate: 1_250_000, buffer: UInt32.max, limit: 31_250 + 536_870_911))
        // CRI-O: 2^35-9 bits; the limit (25 ms + 4 GiB - 2) passes 2^32 too.
        let crio = BandwidthConfig.tokenBucket(rate: 50_000_000, burst: 34_359_738_359, clock: clock)
        #expect(crio == TokenBucket(rate: 6_250_000, buffer: UInt32.max, limit: UInt32.max))
        #expect(Fixture.code(#""runtimeConfig":{"bandwidth":{"ingressRate":1000,"ingressBurst":34359738359}}"#) == nil)
        // Where it fits, nothing changes: 2^32-1 bits at 1 Gbit/s = 4.29 s.
        let fits = BandwidthConfig.tokenBucket(rate: 1_000_000_000, burst: 4_294_967_295, clock: clock)
        #expect(fits.buffer == 67_108_859 && fits.limit == 3_125_000 + 536_870_911)
    }

    /// containerd's go-cni marshals its BandWidth struct without JSON tags; the reference
    /// reads `IngressRate` as `ingressRate` (Go's case-insensitive field matching).
    @Test func runtimeConfigKeysMatchIgnoringCaseAsInGo() throws {
        let containerd = #""runtimeConfig":{"bandwidth":{"IngressRate":8000,"IngressBurst":800,"EgressRate":16000,"EgressBurst":1600}}"#
        #expect(try Fixture.config(containerd).limits
            == BandwidthLimits(ingressRate: 8000, ingressBurst: 800, egressRate: 16000, egressBurst: 1600))
        // The last member that matches wins, as in Go.
        let twice = #""runtimeConfig":{"bandwidth":{"ingressRate":8000,"INGRESSRATE":9000,"ingressBurst":800}}"#
        #expect(try Fixture.config(twice).limits == BandwidthLimits(ingressRate: 9000, ingressBurst: 800))
    }

    @Test func ifbNamesAreDeterministicShortAndPerInterface() {
        let a = IfbName.make(network: "net1", containerID: "c1", ifName: "eth0")
        #expect(a == IfbName.make(network: "net1", containerID: "c1", ifName: "eth0"))
        #expect(a.utf8.count == 15 && a.hasPrefix("bwp"))
        #expect(a != IfbName.make(network: "net1", containerID: "c1", ifName: "eth1"))
        #expect(a != IfbName.make(network: "net2", containerID: "c1", ifName: "eth0"))
    }
}
