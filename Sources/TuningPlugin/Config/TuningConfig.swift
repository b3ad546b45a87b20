import CNISpec
import Netlink

/// The options of one `tuning` request, with the per-attachment inputs applied.
///
/// Precedence follows the reference: the configuration's own values, then `CNI_ARGS`
/// (`MAC` only), then `runtimeConfig.mac`, then `args.cni.*`.
public struct TuningConfig: Sendable, Equatable {
    /// The reference's default for `dataDir`.
    public static let defaultDataDir = "/run/cni/tuning"

    /// In configuration order, `args.cni.sysctl` entries replacing or following them.
    public var sysctls: [SysctlSetting]
    public var mac: MACAddress?
    public var mtu: UInt32?
    /// Only `true` changes anything (the reference's `promisc: false` leaves the flag alone).
    public var promiscuous: Bool
    public var allMulticast: Bool?
    public var txQueueLength: UInt32?
    /// Where the original values are kept between ADD and DEL.
    public var dataDir: String

    public init(
        sysctls: [SysctlSetting] = [], mac: MACAddress? = nil, mtu: UInt32? = nil, promiscuous: Bool = false,
        allMulticast: Bool? = nil, txQueueLength: UInt32? = nil, dataDir: String = TuningConfig.defaultDataDir
    ) {
        self.sysctls = sysctls
        self.mac = mac
        self.mtu = mtu
        self.promiscuous = promiscuous
        self.allMulticast = allMulticast
        self.txQueueLength = txQueueLength
        self.dataDir = dataDir
    }

    /// Whether any link attribute (not a sysctl) is to be changed.
    public var changesLink: Bool { mac != nil || mtu != nil || promiscuous || allMulticast != nil || txQueueLength != nil }

    public init(config: NetConf, args: CNIArgs) throws(CNIError) {
        let reader = config.reader
        self.init(dataDir: try Self.dataDir(reader))
        sysctls = try Self.sysctls(reader.object("sysctl"))
        try apply(reader)
        if let text = args["MAC"], !text.isEmpty { mac = try Self.mac(text, from: "CNI_ARGS MAC") }
        if let text = try config.runtimeConfig.string("mac"), !text.isEmpty {
            mac = try Self.mac(text, from: "runtimeConfig.mac")
        }
        if let cni = try config.args?.object("cni") {
            for setting in try Self.sysctls(cni.object("sysctl")) {
                if let index = sysctls.firstIndex(where: { $0.key == setting.key }) {
                    sysctls[index].value = setting.value
                } else {
                    sysctls.append(setting)
                }
            }
            try apply(cni)
        }
    }

    /// `dataDir` without validating anything else (DEL and GC must work with any options).
    public static func dataDir(of config: NetConf) -> String {
        (try? dataDir(config.reader)) ?? defaultDataDir
    }

    /// The link options present in `reader` (the configuration or `args.cni`).
    private mutating func apply(_ reader: JSONFieldReader) throws(CNIError) {
        if let text = try reader.string("mac"), !text.isEmpty { mac = try Self.mac(text, from: reader.fieldPath("mac")) }
        if let value = try reader.int("mtu") {
            // 0 means "not set", as in the reference.
            if value != 0 { mtu = try Self.unsigned(value, field: reader.fieldPath("mtu"), minimum: 1) }
        }
        if let value = try reader.bool("promisc") { promiscuous = value }
        if let value = try reader.bool("allmulti") { allMulticast = value }
        if let value = try reader.int("txQLen") {
            txQueueLength = try Self.unsigned(value, field: reader.fieldPath("txQLen"), minimum: 0)
        }
    }

    private static func dataDir(_ reader: JSONFieldReader) throws(CNIError) -> String {
        guard let dir = try reader.string("dataDir"), !dir.isEmpty else { return defaultDataDir }
        guard dir.hasPrefix("/") else {
            throw CNIError(.invalidNetworkConfig, "dataDir must be an absolute path", details: "dataDir is \"\(dir)\"")
        }
        return dir
    }

    /// A `sysctl` object: string values, each key once.
    private static func sysctls(_ object: JSONFieldReader?) throws(CNIError) -> [SysctlSetting] {
        guard let object else { return [] }
        var settings: [SysctlSetting] = []
        for (key, value) in object.object.members {
            guard case .string(let text) = value else {
                throw CNIError(
                    .decodingFailure, "wrong type for field \"\(object.fieldPath(key))\"",
                    details: "expected string, got \(value.typeName)")
            }
            if settings.contains(where: { $0.key == key }) {
                throw CNIError(
                    .invalidNetworkConfig, "duplicated sysctl keys are not allowed",
                    details: "\"\(key)\" appears more than once in \(object.path)")
            }
            settings.append(SysctlSetting(key: key, value: text))
        }
        return settings
    }

    private static func mac(_ text: String, from field: String) throws(CNIError) -> MACAddress {
        guard let mac = MACAddress(text) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid MAC address \"\(text)\"",
                details: "\(field) must be six colon-separated hexadecimal bytes")
        }
        return mac
    }

    private static func unsigned(_ value: Int, field: String, minimum: Int) throws(CNIError) -> UInt32 {
        guard value >= minimum, value <= Int(UInt32.max) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid \(field): \(value)",
                details: "\(field) must be an integer from \(minimum) to \(UInt32.max)")
        }
        return UInt32(value)
    }
}
