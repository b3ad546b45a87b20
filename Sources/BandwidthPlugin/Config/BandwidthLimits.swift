import CNISpec

/// The four values of a bandwidth entry (static options or `runtimeConfig.bandwidth`):
/// rates in bits per second, bursts in bits; 0 means "no limit".
public struct BandwidthLimits: Sendable, Equatable {
    public var ingressRate: UInt64
    public var ingressBurst: UInt64
    public var egressRate: UInt64
    public var egressBurst: UInt64

    public init(ingressRate: UInt64 = 0, ingressBurst: UInt64 = 0, egressRate: UInt64 = 0, egressBurst: UInt64 = 0) {
        self.ingressRate = ingressRate
        self.ingressBurst = ingressBurst
        self.egressRate = egressRate
        self.egressBurst = egressBurst
    }

    static let keys = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"]

    /// The entry in `reader`, or nil when it has none of the four keys.
    init?(_ reader: JSONFieldReader) throws(CNIError) {
        guard Self.keys.contains(where: reader.has) else { return nil }
        self.init(
            ingressRate: try Self.unsigned(reader, "ingressRate"), ingressBurst: try Self.unsigned(reader, "ingressBurst"),
            egressRate: try Self.unsigned(reader, "egressRate"), egressBurst: try Self.unsigned(reader, "egressBurst"))
    }

    public var isZero: Bool { ingressRate == 0 && ingressBurst == 0 && egressRate == 0 && egressBurst == 0 }
    public var limitsIngress: Bool { ingressRate > 0 && ingressBurst > 0 }
    public var limitsEgress: Bool { egressRate > 0 && egressBurst > 0 }

    /// The reference's rules (rate and burst together; burst under 4 GiB in bytes), plus a
    /// rate of at least one byte per second, which the kernel's byte-based rate needs.
    func validate() throws(CNIError) {
        try Self.validate(rate: ingressRate, burst: ingressBurst, direction: "ingress")
        try Self.validate(rate: egressRate, burst: egressBurst, direction: "egress")
    }

    private static func validate(rate: UInt64, burst: UInt64, direction: String) throws(CNIError) {
        if rate != 0 && burst == 0 {
            throw CNIError(.invalidNetworkConfig, "if rate is set, burst must also be set", details: "\(direction)Rate is \(rate), \(direction)Burst is 0")
        }
        if burst != 0 && rate == 0 {
            throw CNIError(.invalidNetworkConfig, "if burst is set, rate must also be set", details: "\(direction)Burst is \(burst), \(direction)Rate is 0")
        }
        if burst / 8 >= UInt64(UInt32.max) {
            throw CNIError(.invalidNetworkConfig, "burst cannot be more than 4GB", details: "\(direction)Burst is \(burst) bits")
        }
        if rate != 0 && rate < 8 {
            throw CNIError(.invalidNetworkConfig, "rate must be at least 8 bits per second", details: "\(direction)Rate is \(rate)")
        }
    }

    /// A non-negative integer (the reference's uint64): other numbers are decoding errors.
    private static func unsigned(_ reader: JSONFieldReader, _ key: String) throws(CNIError) -> UInt64 {
        guard let value = reader.value(key), !value.isNull else { return 0 }
        guard case .number(let text) = value, let number = UInt64(text) else {
            throw CNIError(
                .decodingFailure, "wrong type for field \"\(reader.fieldPath(key))\"",
                details: "expected an unsigned integer, got \(value.typeName == "number" ? "\(value)" : value.typeName)")
        }
        return number
    }
}
