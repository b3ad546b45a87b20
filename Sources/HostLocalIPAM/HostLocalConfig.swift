import CNISpec
import JSONSupport

/// host-local's options, read from the whole plugin configuration (options under `ipam`)
/// plus the per-attachment inputs (`runtimeConfig`, `args`, `CNI_ARGS`).
///
/// Wrong JSON types are code 6 (from `JSONFieldReader`); values that parse but are not
/// acceptable (bad CIDR, overlapping sets, ...) are code 7; a bad `IP=` in `CNI_ARGS` is
/// code 4 (an environment variable).
public struct HostLocalConfig: Sendable {
    public static let defaultDataDir = "/var/lib/cni/networks"

    /// The network name (the directory under `dataDir`).
    public var name: String
    public var dataDir: String
    /// Range sets in allocation order: `runtimeConfig.ipRanges`, then the legacy top-level
    /// range, then `ipam.ranges`. The index is the `last_reserved_ip.<index>` suffix.
    public var rangeSets: [RangeSet]
    public var routes: [CNIResult.Route]
    public var resolvConf: String?
    /// Requested addresses in the order CNI_ARGS `IP=`, `args.cni.ips`, `runtimeConfig.ips`,
    /// without duplicates.
    public var requestedIPs: [IPAddress]

    /// The directory holding this network's reservations.
    public var networkDirectory: String {
        dataDir.hasSuffix("/") ? dataDir + name : dataDir + "/" + name
    }

    public init(
        name: String, dataDir: String = HostLocalConfig.defaultDataDir, rangeSets: [RangeSet],
        routes: [CNIResult.Route] = [], resolvConf: String? = nil, requestedIPs: [IPAddress] = []
    ) {
        self.name = name
        self.dataDir = dataDir
        self.rangeSets = rangeSets
        self.routes = routes
        self.resolvConf = resolvConf
        self.requestedIPs = requestedIPs
    }

    /// Reads and validates the configuration of a request.
    public init(netConf: NetConf, cniArgs: CNIArgs) throws(CNIError) {
        guard let ipam = netConf.ipam else {
            throw CNIError(.invalidNetworkConfig, "IPAM config missing 'ipam' key")
        }
        name = netConf.name
        let dir = try ipam.string("dataDir") ?? ""
        try CNIValidation.validateConfiguredPath(dir, field: "ipam.dataDir")
        dataDir = dir.isEmpty ? Self.defaultDataDir : dir
        let resolv = try ipam.string("resolvConf") ?? ""
        try CNIValidation.validateConfiguredPath(resolv, field: "ipam.resolvConf")
        resolvConf = resolv.isEmpty ? nil : resolv
        routes = try Self.parseRoutes(ipam)
        requestedIPs = try Self.parseRequestedIPs(netConf: netConf, cniArgs: cniArgs)

        // Sources of range sets, in priority order, with the path used in error details.
        var sources: [(path: String, set: [JSONValue])] = []
        if let ipRanges = try netConf.runtimeConfig.array("ipRanges") {
            for (i, set) in ipRanges.enumerated() {
                sources.append(("runtimeConfig.ipRanges[\(i)]", try Self.rangeSetArray(set, "runtimeConfig.ipRanges[\(i)]")))
            }
        }
        if let legacySubnet = try ipam.string("subnet"), !legacySubnet.isEmpty {
            sources.append(("ipam", [.object(ipam.object)]))
        }
        if let ranges = try ipam.array("ranges") {
            for (i, set) in ranges.enumerated() {
                sources.append(("ipam.ranges[\(i)]", try Self.rangeSetArray(set, "ipam.ranges[\(i)]")))
            }
        }
        if sources.isEmpty {
            throw CNIError(
                .invalidNetworkConfig, "no IP ranges specified",
                details: "set ipam.ranges, the legacy ipam.subnet, or runtimeConfig.ipRanges")
        }

        var sets: [RangeSet] = []
        for (index, source) in sources.enumerated() {
            var ranges: [AddressRange] = []
            for (j, item) in source.set.enumerated() {
                let path = source.path == "ipam" ? "ipam" : "\(source.path)[\(j)]"
                guard case .object(let object) = item else {
                    throw CNIError(
                        .decodingFailure, "wrong type for field \"\(path)\"",
                        details: "expected object, got \(item.typeName)")
                }
                ranges.append(try Self.parseRange(JSONFieldReader(object, path: path), setIndex: index))
            }
            do {
                sets.append(try RangeSet(ranges))
            } catch {
                throw CNIError(.invalidNetworkConfig, "invalid range set \(index): \(error.reason)", details: source.path)
            }
        }

        let v4 = sets.filter { $0.family == .v4 }.count
        let v6 = sets.count - v4
        if (v4 > 1 || v6 > 1) && netConf.cniVersion < .v0_3_0 {
            throw CNIError(
                .invalidNetworkConfig,
                "CNI version \(netConf.cniVersion) does not support more than 1 address per family",
                details: "\(v4) IPv4 and \(v6) IPv6 range sets; use cniVersion 0.3.0 or later")
        }
        for i in sets.indices {
            for j in sets.indices where j > i && sets[i].overlaps(sets[j]) {
                throw CNIError(
                    .invalidNetworkConfig, "range set \(i) overlaps with \(j)",
                    details: "\(sources[i].path) (\(sets[i])) and \(sources[j].path) (\(sets[j]))")
            }
        }
        rangeSets = sets
    }

    /// Only what DEL and GC need: the network directory (`ipam.dataDir` and the network
    /// name). Ranges, routes and requested addresses are not read, so a configuration the
    /// administrator broke after ADD (overlapping ranges, a bad `IP=`) cannot block the
    /// release of its reservations. Wrong JSON types of `ipam`/`dataDir` are still code 6.
    public static func storeLocation(netConf: NetConf) throws(CNIError) -> HostLocalConfig {
        guard let ipam = netConf.ipam else {
            throw CNIError(.invalidNetworkConfig, "IPAM config missing 'ipam' key")
        }
        let dir = try ipam.string("dataDir") ?? ""
        try CNIValidation.validateConfiguredPath(dir, field: "ipam.dataDir")
        return HostLocalConfig(name: netConf.name, dataDir: dir.isEmpty ? defaultDataDir : dir, rangeSets: [])
    }

    private static func rangeSetArray(_ value: JSONValue, _ path: String) throws(CNIError) -> [JSONValue] {
        guard case .array(let items) = value else {
            throw CNIError(
                .decodingFailure, "wrong type for field \"\(path)\"",
                details: "expected array of range objects, got \(value.typeName)")
        }
        return items
    }

    private static func parseRange(_ r: JSONFieldReader, setIndex: Int) throws(CNIError) -> AddressRange {
        func fail(_ reason: String, _ field: String) -> CNIError {
            CNIError(.invalidNetworkConfig, "invalid range set \(setIndex): \(reason)", details: r.fieldPath(field))
        }
        guard let subnetText = try r.string("subnet"), !subnetText.isEmpty else {
            throw fail("subnet is missing", "subnet")
        }
        guard let subnet = IPSubnet(subnetText) else {
            throw fail("invalid CIDR address: \(subnetText)", "subnet")
        }
        func address(_ field: String) throws(CNIError) -> IPAddress? {
            guard let text = try r.string(field), !text.isEmpty else { return nil }
            guard let ip = IPAddress(text) else { throw fail("invalid IP address: \(text)", field) }
            return ip
        }
        let start = try address("rangeStart")
        let end = try address("rangeEnd")
        let gateway = try address("gateway")
        do {
            return try AddressRange.canonical(subnet: subnet, rangeStart: start, rangeEnd: end, gateway: gateway)
        } catch {
            throw CNIError(
                .invalidNetworkConfig, "invalid range set \(setIndex): \(error.reason)", details: r.path)
        }
    }

    static func parseRoutes(_ ipam: JSONFieldReader) throws(CNIError) -> [CNIResult.Route] {
        var routes: [CNIResult.Route] = []
        for route in try ipam.objects("routes") ?? [] {
            guard let dst = try route.string("dst") else {
                throw CNIError(.invalidNetworkConfig, "route without dst", details: route.fieldPath("dst"))
            }
            guard IPSubnet(dst) != nil else {
                throw CNIError(.invalidNetworkConfig, "invalid route dst \"\(dst)\"", details: route.fieldPath("dst"))
            }
            let gw = try route.string("gw")
            if let gw, !gw.isEmpty, IPAddress(gw) == nil {
                throw CNIError(.invalidNetworkConfig, "invalid route gw \"\(gw)\"", details: route.fieldPath("gw"))
            }
            routes.append(
                CNIResult.Route(
                    dst: dst, gw: gw, mtu: try route.int("mtu"), advmss: try route.int("advmss"),
                    priority: try route.int("priority"), table: try route.int("table"), scope: try route.int("scope")))
        }
        return routes
    }

    /// An address from `IP=`/`ips` text; a prefix (`10.0.0.5/24`) is accepted and ignored.
    static func requestedAddress(_ text: String) -> IPAddress? {
        if let ip = IPAddress(text) { return ip }
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")), IPSubnet(text) != nil else { return nil }
        return IPAddress(String(text[..<slash]))
    }

    static func parseRequestedIPs(netConf: NetConf, cniArgs: CNIArgs) throws(CNIError) -> [IPAddress] {
        var result: [IPAddress] = []
        func add(_ ip: IPAddress) { if !result.contains(ip) { result.append(ip) } }
        // CONVENTIONS: a plugin that understands `args` ignores the same information in
        // CNI_ARGS (`args.cni.ips` present means `IP=` is not read at all).
        let argsIPs = try netConf.argsCNIStrings("ips")
        if argsIPs == nil, let text = cniArgs["IP"], !text.isEmpty {
            for item in text.split(separator: ",") {
                let trimmed = String(item).trimmingSpaces
                guard let ip = requestedAddress(trimmed) else {
                    throw CNIError(.invalidEnvironment, "cannot understand ip \"\(trimmed)\"", details: "CNI_ARGS IP=\(text)")
                }
                add(ip)
            }
        }
        if let ips = argsIPs {
            for (i, text) in ips.enumerated() {
                guard let ip = requestedAddress(text) else {
                    throw CNIError(.invalidNetworkConfig, "cannot understand ip \"\(text)\"", details: "args.cni.ips[\(i)]")
                }
                add(ip)
            }
        }
        if let ips = try netConf.runtimeConfig.strings("ips") {
            for (i, text) in ips.enumerated() {
                guard let ip = requestedAddress(text) else {
                    throw CNIError(
                        .invalidNetworkConfig, "cannot understand ip \"\(text)\"", details: "runtimeConfig.ips[\(i)]")
                }
                add(ip)
            }
        }
        return result
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
