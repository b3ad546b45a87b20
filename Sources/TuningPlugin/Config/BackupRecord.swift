import CNISpec
import Netlink
import JSONSupport

/// The original values of one attachment, saved at ADD as
/// `<dataDir>/<containerID>_<ifname>.json` (the reference's name and keys: `mac`, `mtu`,
/// `promisc`, `allmulti`, `txQLen`; we add `sysctl`, and `network`/`containerID`/`ifName`
/// so GC can tell whose file it is).
public struct BackupRecord: Sendable, Equatable {
    public var network: String?
    public var containerID: String?
    public var ifName: String?
    public var original: InterfaceSettings

    public init(network: String?, containerID: String?, ifName: String?, original: InterfaceSettings) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
        self.original = original
    }

    public static func fileName(containerID: String, ifName: String) -> String { "\(containerID)_\(ifName).json" }

    public var json: JSONValue {
        var object = JSONObject()
        if let mac = original.mac { object["mac"] = .string(mac.description) }
        if let promiscuous = original.promiscuous { object["promisc"] = .bool(promiscuous) }
        if let mtu = original.mtu { object["mtu"] = .int(Int(mtu)) }
        if let allMulticast = original.allMulticast { object["allmulti"] = .bool(allMulticast) }
        if let length = original.txQueueLength { object["txQLen"] = .int(Int(length)) }
        if !original.sysctls.isEmpty {
            var sysctls = JSONObject()
            for setting in original.sysctls { sysctls[setting.key] = .string(setting.value) }
            object["sysctl"] = .object(sysctls)
        }
        if let network { object["network"] = .string(network) }
        if let containerID { object["containerID"] = .string(containerID) }
        if let ifName { object["ifName"] = .string(ifName) }
        return .object(object)
    }

    /// Decodes a saved record; the reference's `mtu: 0` means "not saved".
    public init(json value: JSONValue) throws(CNIError) {
        guard let object = value.objectValue else {
            throw CNIError(.decodingFailure, "invalid tuning backup", details: "expected a JSON object")
        }
        let reader = JSONFieldReader(object, path: "backup")
        var original = InterfaceSettings()
        if let text = try reader.string("mac"), !text.isEmpty {
            guard let mac = MACAddress(text) else {
                throw CNIError(.decodingFailure, "invalid tuning backup", details: "bad MAC address \"\(text)\"")
            }
            original.mac = mac
        }
        original.promiscuous = try reader.bool("promisc")
        if let mtu = try reader.int("mtu"), mtu > 0, mtu <= Int(UInt32.max) { original.mtu = UInt32(mtu) }
        original.allMulticast = try reader.bool("allmulti")
        if let length = try reader.int("txQLen"), length >= 0, length <= Int(UInt32.max) {
            original.txQueueLength = UInt32(length)
        }
        if let sysctls = try reader.object("sysctl") {
            for (key, value) in sysctls.object.members {
                // Only paths we would have written ourselves are written back.
                guard case .string(let text) = value, SysctlSetting.isNetPath(key) else {
                    throw CNIError(.decodingFailure, "invalid tuning backup", details: "bad sysctl entry \"\(key)\"")
                }
                original.sysctls.append(SysctlSetting(key: key, value: text))
            }
        }
        self.init(
            network: try reader.string("network"), containerID: try reader.string("containerID"),
            ifName: try reader.string("ifName"), original: original)
    }
}
