import JSONSupport
/// A plugin's network configuration as received on stdin (the "request configuration").
///
/// The well-known fields are decoded; everything else stays in `raw` so plugin-specific
/// options can be read with a `JSONFieldReader` and the bytes handed to a delegate are the
/// runtime's own.
public struct NetConf: Sendable {
    /// The whole object as received.
    public let raw: JSONObject
    /// The bytes received on stdin (passed unchanged to delegated plugins).
    public let bytes: [UInt8]
    public let cniVersion: CNIVersion
    public let name: String
    public let type: String
    /// The `ipam` object, when present.
    public let ipam: JSONFieldReader?
    /// `dns` from the configuration, when present.
    public let dns: CNIResult.DNS?
    /// `runtimeConfig` (capability arguments injected by the runtime); empty when absent.
    /// Its members, and theirs, are matched ignoring ASCII case, as the reference plugins do.
    public let runtimeConfig: JSONFieldReader
    /// `args` (per-attachment arguments, e.g. `args.cni.ips`).
    public let args: JSONFieldReader?
    /// `prevResult` as received, when present and not null.
    public let prevResultJSON: JSONValue?

    /// A reader over the top-level object for plugin-specific options.
    public var reader: JSONFieldReader { JSONFieldReader(raw) }

    /// `ipam.type`; nil or empty means no IPAM.
    public var ipamType: String? {
        guard let t = try? ipam?.string("type"), !t.isEmpty else { return nil }
        return t
    }

    /// Decodes the request configuration. The caller has already checked JSON syntax, the
    /// network name and the version (see `PluginDispatcher`).
    public init(bytes: [UInt8], object: JSONObject, version: CNIVersion) throws(CNIError) {
        self.bytes = bytes
        self.raw = object
        self.cniVersion = version
        let reader = JSONFieldReader(object)
        self.name = try reader.string("name") ?? ""
        self.type = try reader.string("type") ?? ""
        self.ipam = try reader.object("ipam")
        if let dns = try reader.object("dns") {
            let parsed = try CNIResult.parseDNS(dns)
            self.dns = parsed.isEmpty ? nil : parsed
        } else {
            self.dns = nil
        }
        // Capability arguments come from Go runtimes; see `JSONFieldReader.matchesKeysIgnoringCase`.
        let runtimeConfig = try reader.object("runtimeConfig")?.object ?? JSONObject()
        self.runtimeConfig = JSONFieldReader(runtimeConfig, path: "runtimeConfig", matchesKeysIgnoringCase: true)
        self.args = try reader.object("args")
        if let prev = object["prevResult"], !prev.isNull {
            self.prevResultJSON = prev
        } else {
            self.prevResultJSON = nil
        }
        // Reject wrong types of the remaining well-known members early, with their names.
        _ = try reader.object("capabilities")
        _ = try reader.string("cniVersion")
    }

    /// Parses `prevResult` in the request's version (or its own `cniVersion`).
    public func prevResult() throws(CNIError) -> CNIResult? {
        guard let prevResultJSON else { return nil }
        return try CNIResult.parse(prevResultJSON, defaultVersion: cniVersion, path: "prevResult").result
    }

    /// Addresses requested for this attachment from `args.cni.ips` (a list of IP strings).
    public func argsCNIStrings(_ key: String) throws(CNIError) -> [String]? {
        guard let cni = try args?.object("cni") else { return nil }
        return try cni.strings(key)
    }

    /// A single string from `args.cni` (e.g. `mac`).
    public func argsCNIString(_ key: String) throws(CNIError) -> String? {
        guard let cni = try args?.object("cni") else { return nil }
        return try cni.string(key)
    }
}

/// One attachment named in a GC request's `cni.dev/valid-attachments`.
public struct CNIAttachment: Sendable, Hashable {
    public var containerID: String
    public var ifname: String

    public init(containerID: String, ifname: String) {
        self.containerID = containerID
        self.ifname = ifname
    }
}

extension NetConf {
    /// The attachments a GC request declares valid: `cni.dev/valid-attachments`, or the
    /// legacy `cni.dev/attachments` when the first is absent. `nil` when neither is present,
    /// which is different from an empty list (an empty list means every attachment is stale).
    public func validAttachments() throws(CNIError) -> [CNIAttachment]? {
        let reader = self.reader
        let key = reader.has("cni.dev/valid-attachments") ? "cni.dev/valid-attachments" : "cni.dev/attachments"
        guard let items = try reader.objects(key) else { return nil }
        var result: [CNIAttachment] = []
        for item in items {
            guard let id = try item.string("containerID"), let ifname = try item.string("ifname") else {
                throw CNIError(
                    .decodingFailure, "invalid \(key) entry",
                    details: "\(item.path) needs string fields containerID and ifname")
            }
            result.append(CNIAttachment(containerID: id, ifname: ifname))
        }
        return result
    }
}
