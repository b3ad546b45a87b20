import CNISpec
import Netlink

/// The bandwidth limits of one request: the static entry when the configuration has one,
/// else `runtimeConfig.bandwidth` (as the reference: static values win).
public struct BandwidthConfig: Sendable, Equatable {
    public var network: String
    public var limits: BandwidthLimits

    public init(network: String, limits: BandwidthLimits) {
        self.network = network
        self.limits = limits
    }

    public init(config: NetConf) throws(CNIError) {
        var limits = try BandwidthLimits(config.reader)
        if limits == nil, let runtime = try config.runtimeConfig.object("bandwidth") {
            limits = try BandwidthLimits(runtime)
        }
        let resolved = limits ?? BandwidthLimits()
        try resolved.validate()
        self.init(network: config.name, limits: resolved)
    }

    /// The reference's queue latency for the token bucket's queue limit.
    static let latencyMicroseconds = 25_000.0

    /// The token bucket for `rate` bits/s and `burst` bits, computed as the reference does:
    /// the buffer is the time to send the burst at the rate (in scheduler ticks), the queue
    /// limit what the rate sends in 25 ms plus the burst.
    ///
    /// Both are 32-bit in the kernel's `tc_tbf_qopt`. A buffer or limit beyond that is capped
    /// at the largest value (2^32-1 ticks, 2^32-1 bytes), the nearest the kernel can hold. The
    /// Kubernetes runtimes send such bursts whenever a pod has a bandwidth annotation, meaning
    /// "no burst limit" (containerd 2^32-1 bits, CRI-O 2^35-9 bits); the reference truncates
    /// them modulo 2^32 instead, which can leave an arbitrary, even tiny, bucket.
    public static func tokenBucket(rate: UInt64, burst: UInt64, clock: PacketSchedulerClock) -> TokenBucket {
        let rateBytes = rate / 8
        let burstBytes = burst / 8
        let microseconds = (Double(burstBytes) * 1_000_000 / Double(rateBytes)).rounded(.towardZero)
        let ticks = (microseconds * clock.ticksPerMicrosecond).rounded(.towardZero)
        let limit = (Double(rateBytes) * latencyMicroseconds / 1_000_000).rounded(.towardZero) + Double(burstBytes)
        let largest = Double(UInt32.max)
        return TokenBucket(rate: rateBytes, buffer: UInt32(min(ticks, largest)), limit: UInt32(min(limit, largest)))
    }
}
