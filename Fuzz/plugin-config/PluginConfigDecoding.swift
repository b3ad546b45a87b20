// Fuzz target `plugin-config`: every plugin's decoding and validation of its options.
//
// Input: `CNI_ARGS` text, a NUL byte, then the configuration (a plugin object or a conflist,
// whose plugins are each decoded with the list's name and version, as a runtime sends them);
// without a NUL the whole input is the configuration and CNI_ARGS is empty.
//
// Decoders: bridge (`BridgeConfig`, and the lenient form DEL and GC use), host-local
// (`HostLocalConfig` and the store location DEL and GC use), vxlan (`VxlanConfig`, its
// cluster CIDRs and VTEP MACs, its `routing` and the BIRD configuration rendered from it for
// every listed node) and loopback (its only input is prevResult). Each either
// succeeds or throws a CNI error with a message; accepted values must satisfy the ranges
// the decoders promise (the kernel would otherwise get them).
import BGPRouting
import BridgePlugin
import CNISpec
import Netlink
import HostLocalIPAM
import Overlay
import JSONSupport

func fuzzOne(_ input: [UInt8]) {
    let (argsBytes, configBytes) = splitAtNUL(input)
    guard case .object(let object)? = try? JSONParser.parse(configBytes) else { return }
    let cniArgs = (try? CNIArgs(parsing: text(argsBytes))) ?? CNIArgs()
    if case .array(let plugins)? = object["plugins"] {
        for case .object(var plugin) in plugins {
            plugin["cniVersion"] = object["cniVersion"] ?? .string(CNIVersion.current.description)
            plugin["name"] = object["name"] ?? .string("fuzz")
            decodeAll(JSONValue.object(plugin).serializedBytes(), plugin, cniArgs)
        }
    } else {
        decodeAll(configBytes, object, cniArgs)
    }
}

func decodeAll(_ bytes: [UInt8], _ object: JSONObject, _ cniArgs: CNIArgs) {
    let version = object["cniVersion"]?.stringValue.flatMap(CNIVersion.init) ?? .current
    let config: NetConf
    do {
        config = try NetConf(bytes: bytes, object: object, version: version)
    } catch {
        fuzzCheck(!error.msg.isEmpty, "NetConf error without a message")
        return
    }
    expectError { () throws(CNIError) in checkBridge(try BridgeConfig(config: config, cniArgs: cniArgs)) }
    _ = BridgeConfig(cleanupOf: config)
    expectError { () throws(CNIError) in checkHostLocal(try HostLocalConfig(netConf: config, cniArgs: cniArgs)) }
    expectError { () throws(CNIError) in _ = try HostLocalConfig.storeLocation(netConf: config) }
    expectError { () throws(CNIError) in checkVxlan(try VxlanConfig(networkName: config.name, reader: config.reader)) }
    // loopback reads nothing but prevResult.
    expectError { () throws(CNIError) in _ = try config.prevResult() }
}

func checkBridge(_ bridge: BridgeConfig) {
    fuzzCheck(InterfaceNameRule.problem(bridge.bridgeName) == nil, "invalid bridge name accepted: \(bridge.bridgeName)")
    fuzzCheck(bridge.mtu == 0 || (68...65535).contains(bridge.mtu), "mtu \(bridge.mtu) accepted")
    fuzzCheck((0...4094).contains(bridge.vlan), "vlan \(bridge.vlan) accepted")
    for id in bridge.vlanTrunk ?? [] { fuzzCheck((1...4094).contains(id), "trunk VLAN \(id) accepted") }
    if let mac = bridge.mac {
        fuzzCheck(mac.bytes.count == 6, "MAC of \(mac.bytes.count) bytes accepted")
        fuzzCheck(!RequestedMAC.isMulticast(mac) && !RequestedMAC.isZero(mac), "multicast or zero MAC accepted: \(mac)")
    }
    if bridge.isDefaultGateway { fuzzCheck(bridge.isGateway, "isDefaultGateway without isGateway") }
}

func checkHostLocal(_ hostLocal: HostLocalConfig) {
    fuzzCheck(!hostLocal.rangeSets.isEmpty, "host-local accepted a configuration without ranges")
    fuzzCheck(!hostLocal.dataDir.isEmpty, "empty dataDir")
    _ = hostLocal.networkDirectory
    // What ADD does next with accepted ranges: count them and walk the allocation order
    // (from the start, and from the end of each range, where the walk wraps).
    for set in hostLocal.rangeSets {
        _ = set.capacity
        var starts: [IPAddress?] = [nil] + set.ranges.map { $0.rangeEnd }
        starts += hostLocal.requestedIPs.prefix(2).map { $0 }
        for start in starts {
            var walk = RangeIterator(set: set, lastReserved: start)
            for _ in 0..<8 {
                guard let (ip, range) = walk.next() else { break }
                fuzzCheck(range.contains(ip) && set.contains(ip), "candidate \(ip) outside \(set)")
                fuzzCheck(!set.isGateway(ip), "candidate \(ip) is a gateway of \(set)")
            }
        }
    }
}

func checkVxlan(_ vxlan: VxlanConfig) {
    fuzzCheck(vxlan.vni <= 0xFF_FFFF, "vni \(vxlan.vni) accepted")
    fuzzCheck(vxlan.port != 0, "port 0 accepted")
    fuzzCheck(!vxlan.device.isEmpty && vxlan.device.utf8.count <= 15, "device name \(vxlan.device) accepted")
    if let mtu = vxlan.mtu { fuzzCheck((68...65535).contains(mtu), "mtu \(mtu) accepted") }
    for cidr in vxlan.clusterCIDRs(nodes: vxlan.nodes) {
        fuzzCheck(Int(cidr.length) <= Int(cidr.address.maxPrefixLength), "prefix length \(cidr.length) accepted")
    }
    for node in vxlan.nodes {
        let mac = node.mac(vni: vxlan.vni)
        fuzzCheck(mac.bytes.count == 6 && mac.bytes[0] & 1 == 0, "VTEP MAC \(mac) of node \(node.name) is not unicast")
    }
    checkRouting(vxlan)
}

/// Accepted routing values are in range, and every node's rendered BIRD file is well formed:
/// braces balance and no quoted string ends early (nothing from the input adds a statement).
func checkRouting(_ vxlan: VxlanConfig) {
    let routing = vxlan.routing
    fuzzCheck(routing.asn >= 1 && routing.asn < UInt32.max, "asn \(routing.asn) accepted")
    if let hold = routing.holdTime { fuzzCheck(hold == 0 || (3...65535).contains(hold), "holdTime \(hold) accepted") }
    fuzzCheck(routing.birdSocket.hasPrefix("/") && routing.birdSocket.utf8.count < 108, "birdSocket \(routing.birdSocket) accepted")
    fuzzCheck(routing.birdConfig.hasPrefix("/"), "birdConfig \(routing.birdConfig) accepted")
    if routing.isBGP && !routing.mesh {
        fuzzCheck(!(routing.routeReflectors + routing.externalPeers).isEmpty, "bgp without any peer accepted")
    }
    guard routing.isBGP else { return }
    let nodes = vxlan.nodes.map { BGPNode(name: $0.name, address: $0.underlayIP, podCIDRs: $0.podCIDRs) }
    for node in nodes.prefix(4) {
        guard let rendered = try? BirdConfigRenderer(
            network: vxlan.networkName, routing: routing, selfNode: node, nodes: nodes,
            clusterCIDRs: vxlan.clusterCIDRs(nodes: vxlan.nodes), underlayInterface: "eth0"
        ).render() else { continue }
        var depth = 0
        for line in rendered.text.split(separator: "\n") {
            let quotes = line.filter { $0 == "\"" }.count
            fuzzCheck(quotes % 2 == 0, "unbalanced quotes in rendered line: \(line)")
            if !line.hasPrefix("#") {
                // Braces inside quoted strings (a password) are text, not structure.
                let code = line.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                    .filter { $0.offset % 2 == 0 }.map(\.element).joined()
                depth += code.filter { $0 == "{" }.count - code.filter { $0 == "}" }.count
                fuzzCheck(depth >= 0, "a closing brace too many in the rendered file")
            }
        }
        fuzzCheck(depth == 0, "unbalanced braces in the rendered file")
        let render2 = try? BirdConfigRenderer(
            network: vxlan.networkName, routing: routing, selfNode: node, nodes: nodes,
            clusterCIDRs: vxlan.clusterCIDRs(nodes: vxlan.nodes), underlayInterface: "eth0"
        ).render()
        fuzzCheck(render2 == rendered, "rendering is not deterministic")
    }
}

/// Runs `body`; a thrown CNI error must carry a message.
func expectError(_ body: () throws(CNIError) -> Void) {
    do {
        try body()
    } catch {
        fuzzCheck(!error.msg.isEmpty, "CNI error with code \(error.code) and no message")
    }
}
