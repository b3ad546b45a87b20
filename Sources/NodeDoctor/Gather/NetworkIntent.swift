import CNIRuntime
import CNISpec
import Overlay

/// What a network's configuration list says the node should have, as far as the checks
/// care: its bridge, host-local's store, its overlay.
public struct NetworkIntent: Sendable {
    public var network: String
    public var bridge: BridgeIntent?
    /// `<dataDir>/<network>` of a host-local IPAM.
    public var reservationDirectory: String?
    public var vxlan: VxlanConfig?
    /// Why the vxlan plugin object could not be read (reported as `overlay-unresolved`).
    public var vxlanError: String?
    public var vxlanDevice: String?

    public init(_ list: NetworkConfigList) {
        network = list.name
        for plugin in list.plugins {
            let reader = JSONFieldReader(plugin, path: "plugin")
            switch plugin["type"]?.stringValue {
            case "bridge" where bridge == nil:
                let name = (try? reader.string("bridge")).flatMap { $0 } ?? "cni0"
                let gateway = ((try? reader.bool("isGateway")) ?? nil) == true || ((try? reader.bool("isDefaultGateway")) ?? nil) == true
                bridge = BridgeIntent(name: name.isEmpty ? "cni0" : name, isGateway: gateway)
                if let ipam = plugin["ipam"]?.objectValue, ipam["type"]?.stringValue == "host-local" {
                    var dataDir = ipam["dataDir"]?.stringValue ?? ""
                    if dataDir.isEmpty { dataDir = "/var/lib/cni/networks" }
                    reservationDirectory = dataDir.hasSuffix("/") ? dataDir + list.name : dataDir + "/" + list.name
                }
            case "vxlan" where vxlan == nil && vxlanError == nil:
                let request = RequestBuilder.statusRequest(plugin: plugin, list: list)
                do {
                    vxlan = try VxlanConfig(networkName: list.name, reader: JSONFieldReader(request))
                } catch {
                    vxlanError = "vxlan plugin configuration: \(error.description)"
                    vxlanDevice = plugin["device"]?.stringValue ?? "vxlan.\(plugin["vni"]?.intValue ?? 1)"
                }
            default:
                continue
            }
        }
    }

    /// Whether the node routes the network's pod traffic (and so needs forwarding).
    public var routesPodTraffic: Bool { bridge?.isGateway == true || vxlan != nil || vxlanError != nil }
}
