import JSONSupport
extension CNIResult {
    /// The result in the wire format of `version`.
    ///
    /// Fields appear only in versions that define them: `mtu`, `socketPath`, `pciID` and the
    /// route extras only in 1.1.0; `ips[].version` only in 0.3.0 to 0.4.0. For 0.1.0 and 0.2.0
    /// only the first IPv4 and first IPv6 address can be expressed; a result with no address
    /// cannot be, and is reported as an incompatible version.
    public func json(version: CNIVersion) throws(CNIError) -> JSONValue {
        switch version.resultFormat {
        case .v020: return try json020(version: version)
        case .v040, .v100: return jsonCurrent(version: version)
        }
    }

    private func jsonCurrent(version: CNIVersion) -> JSONValue {
        let is040 = version.resultFormat == .v040
        let has11 = version >= .v1_1_0
        var object = JSONObject()
        object["cniVersion"] = .string(version.description)
        if !interfaces.isEmpty {
            object["interfaces"] = .array(
                interfaces.map { iface in
                    var o = JSONObject()
                    o["name"] = .string(iface.name)
                    if let mac = iface.mac, !mac.isEmpty { o["mac"] = .string(mac) }
                    if has11, let mtu = iface.mtu, mtu != 0 { o["mtu"] = .int(mtu) }
                    if let sandbox = iface.sandbox, !sandbox.isEmpty { o["sandbox"] = .string(sandbox) }
                    if has11, let p = iface.socketPath, !p.isEmpty { o["socketPath"] = .string(p) }
                    if has11, let p = iface.pciID, !p.isEmpty { o["pciID"] = .string(p) }
                    return .object(o)
                })
        }
        if !ips.isEmpty {
            object["ips"] = .array(
                ips.map { ip in
                    var o = JSONObject()
                    if is040 { o["version"] = .string(ip.family) }
                    if let index = ip.interface { o["interface"] = .int(index) }
                    o["address"] = .string(ip.address)
                    if let gw = ip.gateway, !gw.isEmpty { o["gateway"] = .string(gw) }
                    return .object(o)
                })
        }
        if !routes.isEmpty {
            object["routes"] = .array(routes.map { $0.json(extended: has11) })
        }
        object["dns"] = dns.json()
        return .object(object)
    }

    private func json020(version: CNIVersion) throws(CNIError) -> JSONValue {
        let first4 = ips.first { $0.family == "4" }
        let first6 = ips.first { $0.family == "6" }
        guard first4 != nil || first6 != nil else {
            throw CNIError(
                .incompatibleVersion, "cannot express the result in CNI version \(version)",
                details: "versions 0.1.0 and 0.2.0 require at least one IP address in a result")
        }
        func ipObject(_ ip: IPConfig, routes: [Route]) -> JSONValue {
            var o = JSONObject()
            o["ip"] = .string(ip.address)
            if let gw = ip.gateway, !gw.isEmpty { o["gateway"] = .string(gw) }
            if !routes.isEmpty { o["routes"] = .array(routes.map { $0.json(extended: false) }) }
            return .object(o)
        }
        var object = JSONObject()
        object["cniVersion"] = .string(version.description)
        if let first4 { object["ip4"] = ipObject(first4, routes: routes.filter { !$0.isIPv6 }) }
        if let first6 { object["ip6"] = ipObject(first6, routes: routes.filter { $0.isIPv6 }) }
        object["dns"] = dns.json()
        return .object(object)
    }
}

extension CNIResult.Route {
    func json(extended: Bool) -> JSONValue {
        var o = JSONObject()
        o["dst"] = .string(dst)
        if let gw, !gw.isEmpty { o["gw"] = .string(gw) }
        if extended {
            if let mtu, mtu != 0 { o["mtu"] = .int(mtu) }
            if let advmss, advmss != 0 { o["advmss"] = .int(advmss) }
            if let priority, priority != 0 { o["priority"] = .int(priority) }
            if let table, table != 0 { o["table"] = .int(table) }
            if let scope { o["scope"] = .int(scope) }
        }
        return .object(o)
    }
}

extension CNIResult.DNS {
    func json() -> JSONValue {
        var o = JSONObject()
        if !nameservers.isEmpty { o["nameservers"] = .array(nameservers.map { .string($0) }) }
        if let domain, !domain.isEmpty { o["domain"] = .string(domain) }
        if !search.isEmpty { o["search"] = .array(search.map { .string($0) }) }
        if !options.isEmpty { o["options"] = .array(options.map { .string($0) }) }
        return .object(o)
    }
}
