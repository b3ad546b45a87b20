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
    public static func tokenBucket(rate: UInt64, burst: UInt64, clock: PacketSchedulerClock) throws(CNIError) -> TokenBucket {
        let rateBytes = rate / 8
        let burstBytes = burst / 8
        let microseconds = (Double(burstBytes) * 1_000_000 / Double(rateBytes)).rounded(.towardZero)
        let ticks = (microseconds * clock.ticksPerMicrosecond).rounded(.towardZero)
        let limit = (Double(rateBytes) * latencyMicroseconds / 1_000_000).rounded(.towardZero) + Double(burstBytes)
        guard microseconds <= Double(UInt32.max), ticks <= Double(UInt32.max), limit <= Double(UInt32.max) else {
            throw CNIError(
                .invalidNetworkConfig, "burst too large for the rate",
                details: "\(burst) bits at \(rate) bits/s take longer than the kernel's token bucket can hold")
        }
        return TokenBucket(rate: rateBytes, buffer: UInt32(ticks), limit: UInt32(limit))
    }
}
