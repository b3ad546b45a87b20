import BGPRouting
import CNISpec
import Netlink
import PluginRuntime

/// The `vxlan` plugin's configuration (the plugin object in the conflist), validated.
///
/// Keys: `vni` (1), `port` (4789), `device` (`vxlan.<vni>`, at most 15 bytes),
/// `localIP` / `underlayInterface` (else auto-detected by matching `nodes[].underlayIP`
/// against local addresses), `mtu` (default underlay − 50/70), `clusterCIDRs` (default: the
/// union of all nodes' pod CIDRs), `nodes`, `peersFile`, `nodeName`, `directRouting`
/// (false), `learning` (false), `ipMasq` (false), `dataPath` (`auto`), `routing` (absent:
/// VXLAN; `{"mode": "bgp", ...}`: routes through BIRD, see `RoutingConfig`).
public struct VxlanConfig: Sendable {
    /// Which path pod traffic takes through the node.
    public enum DataPath: String, Sendable {
        /// The eBPF data path where it loads (kernel support, privileges), else the kernel's.
        case auto
        /// The eBPF data path; a node where it cannot load fails ADD and STATUS.
        case ebpf
        /// The kernel's path only (bridge, routing, the VTEP); any eBPF program is removed.
        case kernel
    }

    public var networkName: String
    public var vni: UInt32
    public var port: UInt16
    public var device: String
    public var localIP: InetAddress?
    public var underlayInterface: String?
    public var mtu: UInt32?
    public var clusterCIDRsConfigured: [InetPrefix]
    public var nodes: [ClusterNode]
    public var peersFile: String?
    public var nodeName: String?
    public var directRouting: Bool
    public var learning: Bool
    public var ipMasq: Bool
    public var dataPath: DataPath
    /// How peers are reached: VXLAN (the default) or routes BIRD learns over BGP.
    public var routing: RoutingConfig

    public static let defaultPort: UInt16 = 4789

    public init(request: CNIRequest) throws(CNIError) {
        try self.init(networkName: request.config.name, reader: request.config.reader)
    }

    public init(networkName: String, reader r: JSONFieldReader) throws(CNIError) {
        self.networkName = networkName
        let vniValue = try r.int("vni") ?? 1
        guard (0...0xFF_FFFF).contains(vniValue) else {
            throw CNIError(.invalidNetworkConfig, "invalid vni \(vniValue)", details: "a VNI is 0 to 16777215")
        }
        vni = UInt32(vniValue)
        let portValue = try r.int("port") ?? Int(Self.defaultPort)
        guard (1...65535).contains(portValue) else {
            throw CNIError(.invalidNetworkConfig, "invalid port \(portValue)", details: "a UDP port is 1 to 65535")
        }
        port = UInt16(portValue)
        device = try r.string("device") ?? "vxlan.\(vni)"
        // The device name also names the node lock file: checked before any file is made.
        try CNIValidation.validateConfiguredInterfaceName(device, field: "device", label: "device name")
        if let text = try r.string("localIP") {
            localIP = try NodeInventory.address(text, field: "localIP")
        }
        underlayInterface = try r.string("underlayInterface")
        if let name = underlayInterface {
            try CNIValidation.validateConfiguredInterfaceName(name, field: "underlayInterface")
        }
        if let value = try r.int("mtu") {
            guard (68...65535).contains(value) else {
                throw CNIError(.invalidNetworkConfig, "invalid mtu \(value)", details: "expected 68 to 65535")
            }
            mtu = UInt32(value)
        }
        var cidrTexts = try r.strings("clusterCIDRs") ?? []
        if let single = try r.string("clusterCIDR") { cidrTexts.insert(single, at: 0) }
        clusterCIDRsConfigured = []
        for (i, text) in cidrTexts.enumerated() {
            clusterCIDRsConfigured.append(try NodeInventory.prefix(text, field: "clusterCIDRs[\(i)]"))
        }
        if let items = try r.array("nodes") {
            nodes = try NodeInventory.parseNodes(items, path: "nodes")
        } else {
            nodes = []
        }
        peersFile = try r.string("peersFile")
        if let peersFile { try CNIValidation.validateConfiguredPath(peersFile, field: "peersFile") }
        nodeName = try r.string("nodeName")
        if let nodeName { try CNIValidation.validateConfiguredPath(nodeName, field: "nodeName") }
        directRouting = try r.bool("directRouting") ?? false
        learning = try r.bool("learning") ?? false
        ipMasq = try r.bool("ipMasq") ?? false
        let dataPathText = try r.string("dataPath") ?? DataPath.auto.rawValue
        guard let dataPath = DataPath(rawValue: dataPathText) else {
            throw CNIError(.invalidNetworkConfig, "invalid dataPath \"\(dataPathText)\"", details: "expected auto, ebpf or kernel")
        }
        self.dataPath = dataPath
        routing = try RoutingConfig(reader: r)
        if nodes.isEmpty && peersFile == nil {
            throw CNIError(
                .invalidNetworkConfig, "no cluster nodes configured",
                details: "set \"nodes\" or \"peersFile\" (the node list, including this node)")
        }
    }

    /// Nodes from `nodes` and from the peers file (the file wins for a name in both).
    public func allNodes() throws(CNIError) -> [ClusterNode] {
        guard let peersFile else { return nodes }
        let fromFile = try PeersFile.read(peersFile)
        var merged = nodes.filter { node in !fromFile.contains { $0.name == node.name } }
        merged += fromFile
        try NodeInventory.checkUnique(merged, path: "nodes + \(peersFile)")
        return merged
    }

    /// The cluster CIDRs: configured ones, or every node's pod CIDRs.
    public func clusterCIDRs(nodes: [ClusterNode]) -> [InetPrefix] {
        if !clusterCIDRsConfigured.isEmpty { return clusterCIDRsConfigured }
        var cidrs: [InetPrefix] = []
        for node in nodes { for cidr in node.podCIDRs where !cidrs.contains(cidr) { cidrs.append(cidr) } }
        return cidrs
    }
}
