import CNISpec
import Netlink

/// Values of the container interface and of resolved sysctls: either the ones to set, or
/// the originals saved at ADD and written back at DEL. A nil field is not touched.
public struct InterfaceSettings: Sendable, Equatable {
    public var mac: MACAddress?
    public var mtu: UInt32?
    public var promiscuous: Bool?
    public var allMulticast: Bool?
    public var txQueueLength: UInt32?
    /// Keyed by the path below `/proc/sys` (resolved for the interface).
    public var sysctls: [SysctlSetting]

    public init(
        mac: MACAddress? = nil, mtu: UInt32? = nil, promiscuous: Bool? = nil, allMulticast: Bool? = nil,
        txQueueLength: UInt32? = nil, sysctls: [SysctlSetting] = []
    ) {
        self.mac = mac
        self.mtu = mtu
        self.promiscuous = promiscuous
        self.allMulticast = allMulticast
        self.txQueueLength = txQueueLength
        self.sysctls = sysctls
    }

    /// What `config` asks for on interface `ifName` (sysctl keys resolved and checked).
    public init(desired config: TuningConfig, ifName: String) throws(CNIError) {
        var sysctls: [SysctlSetting] = []
        for setting in config.sysctls {
            let path = try SysctlSetting.path(of: setting.key, ifName: ifName)
            if sysctls.contains(where: { $0.key == path }) {
                throw CNIError(
                    .invalidNetworkConfig, "duplicated sysctl keys are not allowed",
                    details: "\"\(setting.key)\" names /proc/sys/\(path), as an earlier key does")
            }
            sysctls.append(SysctlSetting(key: path, value: setting.value))
        }
        self.init(
            mac: config.mac, mtu: config.mtu, promiscuous: config.promiscuous ? true : nil,
            allMulticast: config.allMulticast, txQueueLength: config.txQueueLength, sysctls: sysctls)
    }

    /// The current values of `link` and of the sysctls for the fields `self` sets.
    func current(of link: Link, sysctl read: (String) throws(CNIError) -> String) throws(CNIError) -> InterfaceSettings {
        var original = InterfaceSettings()
        if mac != nil { original.mac = link.mac }
        if mtu != nil { original.mtu = link.mtu }
        if promiscuous != nil { original.promiscuous = link.isPromiscuous }
        if allMulticast != nil { original.allMulticast = link.isAllMulticast }
        if txQueueLength != nil { original.txQueueLength = link.txQueueLength }
        for setting in sysctls { original.sysctls.append(SysctlSetting(key: setting.key, value: try read(setting.key))) }
        return original
    }

    /// `self` with every value `earlier` also holds taken from `earlier`: a repeated ADD of
    /// one attachment must not record the values the first ADD set as the originals.
    func keepingOriginals(from earlier: InterfaceSettings) -> InterfaceSettings {
        var merged = self
        if mac != nil, let value = earlier.mac { merged.mac = value }
        if mtu != nil, let value = earlier.mtu { merged.mtu = value }
        if promiscuous != nil, let value = earlier.promiscuous { merged.promiscuous = value }
        if allMulticast != nil, let value = earlier.allMulticast { merged.allMulticast = value }
        if txQueueLength != nil, let value = earlier.txQueueLength { merged.txQueueLength = value }
        for (index, setting) in merged.sysctls.enumerated() {
            if let value = earlier.sysctls.first(where: { $0.key == setting.key })?.value { merged.sysctls[index].value = value }
        }
        // Values the earlier ADD changed and this one does not still need restoring.
        if merged.mac == nil { merged.mac = earlier.mac }
        if merged.mtu == nil { merged.mtu = earlier.mtu }
        if merged.promiscuous == nil { merged.promiscuous = earlier.promiscuous }
        if merged.allMulticast == nil { merged.allMulticast = earlier.allMulticast }
        if merged.txQueueLength == nil { merged.txQueueLength = earlier.txQueueLength }
        for setting in earlier.sysctls where !merged.sysctls.contains(where: { $0.key == setting.key }) {
            merged.sysctls.append(setting)
        }
        return merged
    }

    /// Differences between `self` (wanted) and `link` plus the sysctls as read, one line each.
    func mismatches(of link: Link, ifName: String, sysctl read: (String) throws(CNIError) -> String) throws(CNIError)
        -> [String]
    {
        var found: [String] = []
        if let mac, link.mac != mac { found.append("\(ifName) MAC is \(link.mac?.description ?? "none"), configured \(mac)") }
        if let mtu, link.mtu != mtu { found.append("\(ifName) MTU is \(link.mtu), configured \(mtu)") }
        if let promiscuous, link.isPromiscuous != promiscuous {
            found.append("\(ifName) promiscuous mode is \(link.isPromiscuous), configured \(promiscuous)")
        }
        if let allMulticast, link.isAllMulticast != allMulticast {
            found.append("\(ifName) all-multicast mode is \(link.isAllMulticast), configured \(allMulticast)")
        }
        if let txQueueLength, link.txQueueLength != txQueueLength {
            found.append("\(ifName) txqueuelen is \(link.txQueueLength), configured \(txQueueLength)")
        }
        for setting in sysctls {
            let value = try read(setting.key)
            // The kernel separates the fields of multi-value sysctls (tcp_rmem) with tabs.
            if Self.words(value) != Self.words(setting.value) {
                found.append("/proc/sys/\(setting.key) is \"\(value)\", configured \"\(setting.value)\"")
            }
        }
        return found
    }

    private static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
    }
}
