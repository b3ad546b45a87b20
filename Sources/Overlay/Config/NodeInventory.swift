import CNISpec
import Netlink
import JSONSupport

/// Parses a list of cluster nodes from any of the shapes the plugin and `cnictl` accept:
///
/// * an array of node objects `[{"name", "underlayIP", "podCIDRs": [...], "vtepMAC"?}]`
///   (the shape of the `nodes` configuration key);
/// * an object with such an array under `nodes`;
/// * a Kubernetes `NodeList` (`kubectl get nodes -o json`): `items[].metadata.name`,
///   `spec.podCIDRs` (or `spec.podCIDR`), and the `InternalIP` in `status.addresses`
///   (the first one of the family of the first pod CIDR; else the first InternalIP).
///   Nodes without a pod CIDR or without an InternalIP are skipped (not yet allocated).
public enum NodeInventory {
    public static func parse(_ value: JSONValue, source: String) throws(CNIError) -> [ClusterNode] {
        switch value {
        case .array(let items):
            return try parseNodes(items, path: source)
        case .object(let object):
            let reader = JSONFieldReader(object, path: source)
            if let items = try reader.array("nodes") { return try parseNodes(items, path: reader.fieldPath("nodes")) }
            if let kind = try reader.string("kind"), kind == "NodeList" || kind == "List" || reader.has("items") {
                return try parseKubernetes(reader)
            }
            if reader.has("items") { return try parseKubernetes(reader) }
            throw CNIError(
                .invalidNetworkConfig, "\(source): no nodes found",
                details: "expected an array of nodes, an object with \"nodes\", or a Kubernetes NodeList")
        default:
            throw CNIError(.decodingFailure, "\(source): expected an array or object of nodes", details: "got \(value.typeName)")
        }
    }

    static func parseNodes(_ items: [JSONValue], path: String) throws(CNIError) -> [ClusterNode] {
        var nodes: [ClusterNode] = []
        for (i, item) in items.enumerated() {
            guard case .object(let object) = item else {
                throw CNIError(.decodingFailure, "wrong type for field \"\(path)[\(i)]\"", details: "expected object, got \(item.typeName)")
            }
            nodes.append(try parseNode(JSONFieldReader(object, path: "\(path)[\(i)]")))
        }
        try checkUnique(nodes, path: path)
        return nodes
    }

    static func parseNode(_ r: JSONFieldReader) throws(CNIError) -> ClusterNode {
        guard let name = try r.string("name"), !name.isEmpty else {
            throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("name")) is required", details: "every node needs a name")
        }
        guard let ipText = try r.string("underlayIP") else {
            throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("underlayIP")) is required", details: "node \"\(name)\"")
        }
        let ip = try address(ipText, field: r.fieldPath("underlayIP"))
        var cidrTexts = try r.strings("podCIDRs") ?? []
        if let single = try r.string("podCIDR") { cidrTexts.insert(single, at: 0) }
        guard !cidrTexts.isEmpty else {
            throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("podCIDRs")) is required", details: "node \"\(name)\" has no pod CIDR")
        }
        var cidrs: [InetPrefix] = []
        for (i, text) in cidrTexts.enumerated() {
            let cidr = try prefix(text, field: "\(r.fieldPath("podCIDRs"))[\(i)]")
            if !cidrs.contains(cidr) { cidrs.append(cidr) }
        }
        var mac: MACAddress?
        if let macText = try r.string("vtepMAC") {
            guard let parsed = MACAddress(macText), parsed.bytes[0] & 1 == 0 else {
                throw CNIError(
                    .invalidNetworkConfig, "invalid \(r.fieldPath("vtepMAC")) \"\(macText)\"",
                    details: "expected a unicast MAC like 02:aa:bb:cc:dd:ee")
            }
            mac = parsed
        }
        return ClusterNode(name: name, underlayIP: ip, podCIDRs: cidrs, vtepMAC: mac)
    }

    static func parseKubernetes(_ r: JSONFieldReader) throws(CNIError) -> [ClusterNode] {
        var nodes: [ClusterNode] = []
        for item in try r.objects("items") ?? [] {
            guard let name = try item.object("metadata")?.string("name") else {
                throw CNIError(.invalidNetworkConfig, "\(item.fieldPath("metadata.name")) is required", details: "a Node without a name")
            }
            let spec = try item.object("spec")
            var cidrTexts = try spec?.strings("podCIDRs") ?? []
            if cidrTexts.isEmpty, let single = try spec?.string("podCIDR") { cidrTexts = [single] }
            var cidrs: [InetPrefix] = []
            for (i, text) in cidrTexts.enumerated() {
                let cidr = try prefix(text, field: "\(item.fieldPath("spec.podCIDRs"))[\(i)]")
                if !cidrs.contains(cidr) { cidrs.append(cidr) }
            }
            var internalIPs: [InetAddress] = []
            for a in try item.object("status")?.objects("addresses") ?? [] where try a.string("type") == "InternalIP" {
                if let text = try a.string("address") { internalIPs.append(try address(text, field: a.fieldPath("address"))) }
            }
            guard let first = cidrs.first, !internalIPs.isEmpty else { continue }
            let ip = internalIPs.first { $0.isIPv4 == first.address.isIPv4 } ?? internalIPs[0]
            nodes.append(ClusterNode(name: name, underlayIP: ip, podCIDRs: cidrs))
        }
        try checkUnique(nodes, path: r.fieldPath("items"))
        return nodes
    }

    static func checkUnique(_ nodes: [ClusterNode], path: String) throws(CNIError) {
        for (i, node) in nodes.enumerated() {
            for other in nodes[..<i] {
                if other.name == node.name {
                    throw CNIError(.invalidNetworkConfig, "\(path): node \"\(node.name)\" is listed twice")
                }
                if other.underlayIP == node.underlayIP {
                    throw CNIError(
                        .invalidNetworkConfig, "\(path): nodes \"\(other.name)\" and \"\(node.name)\" share underlay IP \(node.underlayIP)")
                }
                for cidr in node.podCIDRs where other.podCIDRs.contains(where: { $0.overlaps(cidr) }) {
                    throw CNIError(
                        .invalidNetworkConfig, "\(path): pod CIDR \(cidr) of node \"\(node.name)\" overlaps node \"\(other.name)\"")
                }
            }
        }
    }

    static func address(_ text: String, field: String) throws(CNIError) -> InetAddress {
        guard let ip = InetAddress(text) else {
            throw CNIError(.invalidNetworkConfig, "invalid IP address \"\(text)\" in \(field)")
        }
        return ip
    }

    static func prefix(_ text: String, field: String) throws(CNIError) -> InetPrefix {
        guard text.contains("/"), let p = InetPrefix(text) else {
            throw CNIError(.invalidNetworkConfig, "invalid CIDR \"\(text)\" in \(field)", details: "expected address/length")
        }
        return InetPrefix(p.network, length: p.length)
    }
}
