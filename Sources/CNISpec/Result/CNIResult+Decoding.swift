import JSONSupport
extension CNIResult {
    /// Parses a result in any version's wire format.
    ///
    /// The object's own `cniVersion` selects the format; when it is absent, `defaultVersion`
    /// (the request's version) is assumed, as libcni does for plugin output and prevResult.
    /// Returns the model and the version the input was written in.
    public static func parse(_ value: JSONValue, defaultVersion: CNIVersion, path: String = "result")
        throws(CNIError) -> (result: CNIResult, version: CNIVersion)
    {
        guard case .object(let object) = value else {
            throw CNIError(.decodingFailure, "\(path) is not a JSON object", details: "got \(value.typeName)")
        }
        let reader = JSONFieldReader(object, path: path)
        var version = defaultVersion
        if let text = try reader.string("cniVersion"), !text.isEmpty {
            guard let v = CNIVersion(text) else {
                throw CNIError(.decodingFailure, "invalid cniVersion in \(path)", details: "\"\(text)\"")
            }
            version = v
        }
        switch version.resultFormat {
        case .v020: return (try parse020(reader), version)
        case .v040, .v100: return (try parseCurrent(reader), version)
        }
    }

    private static func parseCurrent(_ reader: JSONFieldReader) throws(CNIError) -> CNIResult {
        var result = CNIResult()
        for iface in try reader.objects("interfaces") ?? [] {
            guard let name = try iface.string("name") else {
                throw CNIError(.decodingFailure, "missing field \"\(iface.fieldPath("name"))\"")
            }
            result.interfaces.append(
                Interface(
                    name: name, mac: try iface.string("mac"), mtu: try iface.int("mtu"),
                    sandbox: try iface.string("sandbox"), socketPath: try iface.string("socketPath"),
                    pciID: try iface.string("pciID")))
        }
        for ip in try reader.objects("ips") ?? [] {
            guard let address = try ip.string("address") else {
                throw CNIError(.decodingFailure, "missing field \"\(ip.fieldPath("address"))\"")
            }
            result.ips.append(
                IPConfig(address: address, gateway: try ip.string("gateway"), interface: try ip.int("interface")))
        }
        for route in try reader.objects("routes") ?? [] {
            result.routes.append(try parseRoute(route))
        }
        if let dns = try reader.object("dns") { result.dns = try parseDNS(dns) }
        return result
    }

    private static func parse020(_ reader: JSONFieldReader) throws(CNIError) -> CNIResult {
        var result = CNIResult()
        for key in ["ip4", "ip6"] {
            guard let ip = try reader.object(key) else { continue }
            guard let address = try ip.string("ip") else {
                throw CNIError(.decodingFailure, "missing field \"\(ip.fieldPath("ip"))\"")
            }
            result.ips.append(IPConfig(address: address, gateway: try ip.string("gateway")))
            for route in try ip.objects("routes") ?? [] {
                result.routes.append(try parseRoute(route))
            }
        }
        if let dns = try reader.object("dns") { result.dns = try parseDNS(dns) }
        return result
    }

    static func parseRoute(_ route: JSONFieldReader) throws(CNIError) -> Route {
        guard let dst = try route.string("dst") else {
            throw CNIError(.decodingFailure, "missing field \"\(route.fieldPath("dst"))\"")
        }
        return Route(
            dst: dst, gw: try route.string("gw"), mtu: try route.int("mtu"), advmss: try route.int("advmss"),
            priority: try route.int("priority"), table: try route.int("table"), scope: try route.int("scope"))
    }

    /// Parses a `dns` object (result or network configuration).
    public static func parseDNS(_ dns: JSONFieldReader) throws(CNIError) -> DNS {
        DNS(
            nameservers: try dns.strings("nameservers") ?? [], domain: try dns.string("domain"),
            search: try dns.strings("search") ?? [], options: try dns.strings("options") ?? [])
    }
}
