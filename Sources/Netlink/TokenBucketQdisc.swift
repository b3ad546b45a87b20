import CMnl
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// A token bucket filter (`tbf` qdisc) in the kernel's units.
public struct TokenBucket: Sendable, Equatable {
    /// Bytes per second.
    public var rate: UInt64
    /// The bucket size, as the time the rate takes to fill it, in scheduler ticks.
    public var buffer: UInt32
    /// Bytes that may wait in the queue.
    public var limit: UInt32

    public init(rate: UInt64, buffer: UInt32, limit: UInt32) {
        self.rate = rate
        self.buffer = buffer
        self.limit = limit
    }

    /// Reads `TCA_TBF_PARMS` (and `TCA_TBF_RATE64` for rates of 4 GB/s and more).
    init?(decoding options: NetlinkAttributes) {
        guard let parms = options.payload(UInt16(nl: TCA_TBF_PARMS)) else { return nil }
        let s = StructBytes(parms)
        let rateOffset = offset(\tc_tbf_qopt.rate) + offset(\tc_ratespec.rate)
        guard let rate32 = s.u32(at: rateOffset), let limit = s.u32(at: offset(\tc_tbf_qopt.limit)),
            let buffer = s.u32(at: offset(\tc_tbf_qopt.buffer))
        else { return nil }
        let rate64 = options.payload(UInt16(nl: TCA_TBF_RATE64)).flatMap { ByteReader($0).u64(at: 0) }
        self.init(rate: rate64 ?? UInt64(rate32), buffer: buffer, limit: limit)
    }

    /// `TCA_TBF_PARMS` (link layer Ethernet, as `tc` sets it, so no rate table is needed)
    /// and `TCA_TBF_RATE64` when the rate does not fit 32 bits.
    func put(into message: NetlinkMessage) {
        var parms = StructBytes(zeroed: tc_tbf_qopt.self)
        let rate = offset(\tc_tbf_qopt.rate)
        parms.set(UInt8(TC_LINKLAYER_ETHERNET.rawValue), at: rate + offset(\tc_ratespec.linklayer))
        parms.set(UInt32(clamping: self.rate), at: rate + offset(\tc_ratespec.rate))
        parms.set(limit, at: offset(\tc_tbf_qopt.limit))
        parms.set(buffer, at: offset(\tc_tbf_qopt.buffer))
        message.nest(UInt16(nl: TCA_OPTIONS)) { options in
            options.put(UInt16(nl: TCA_TBF_PARMS), parms.bytes)
            if self.rate > UInt64(UInt32.max) { options.put(UInt16(nl: TCA_TBF_RATE64), ByteCoding.bytes(self.rate)) }
        }
    }
}

/// The packet scheduler's clock, from `/proc/net/psched` (read as iproute2's `tc_core_init`
/// does): qdisc parameters such as a token bucket's buffer are given in its ticks.
public struct PacketSchedulerClock: Sendable, Equatable {
    public var ticksPerMicrosecond: Double

    public init(ticksPerMicrosecond: Double) { self.ticksPerMicrosecond = ticksPerMicrosecond }

    /// Parses the file's first three hexadecimal words: ticks-to-µs, µs-to-ticks, clock resolution.
    public init?(procText text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).compactMap { UInt32($0, radix: 16) }
        guard words.count == 3, words[1] != 0 else { return nil }
        // Kernels with a nanosecond clock advertise a multiplier of 1000 for old tools; it is 1.
        let ticksToMicroseconds = words[2] == 1_000_000_000 ? words[1] : words[0]
        let clockFactor = Double(words[2]) / 1_000_000
        ticksPerMicrosecond = Double(ticksToMicroseconds) / Double(words[1]) * clockFactor
    }

    public static func load() throws -> PacketSchedulerClock {
        let path = "/proc/net/psched"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw NetlinkError(operation: "open \(path)", errno: errno) }
        defer { close(fd) }
        let bytes: [UInt8]
        do {
            bytes = try FileDescriptorIO.readToEnd(fd, chunkSize: 256)
        } catch {
            throw NetlinkError(operation: "read \(path)", errno: error.errno)
        }
        guard let clock = PacketSchedulerClock(procText: String(decoding: bytes, as: UTF8.self)) else {
            throw NetlinkError(operation: "parse \(path)", errno: EINVAL)
        }
        return clock
    }
}

extension NetlinkSocket {
    /// Adds a `tbf` qdisc as the root of link `index` with handle `1:`.
    public func addTokenBucketRoot(index: Int32, _ bucket: TokenBucket) throws {
        let message = Self.newQueueDiscipline(
            index: index, handle: TrafficControlHandle.make(1, 0), parent: TrafficControlHandle.root, kind: "tbf")
        bucket.put(into: message)
        try request(message, "add tbf qdisc (rate \(bucket.rate) B/s) to ifindex \(index)")
    }
}
