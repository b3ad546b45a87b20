import CNISpec
import JSONSupport

/// One attachment's record in libcni's result cache (`cachedInfo` in libcni/api.go).
///
/// Encoded with the members in the struct's order (`kind`, `containerId`, `config`,
/// `ifName`, `networkName`, `netns`, `cniArgs`, `capabilityArgs`, `result`), `omitempty`
/// members left out when empty, and the keys of `capabilityArgs` and `result` sorted at every
/// level, since Go writes those as maps. `config` is the base64 of the list's bytes.
public struct CacheEntry: Sendable, Equatable {
    public static let kindV1 = "cniCacheV1"

    public var containerID: String
    public var config: [UInt8]
    public var ifName: String
    public var networkName: String
    public var netns: String
    public var cniArgs: [CNIArgPair]
    public var capabilityArgs: JSONObject
    /// The final ADD result, as an object (nil only for entries written without one).
    public var result: JSONValue?

    public init(
        containerID: String, config: [UInt8], ifName: String, networkName: String, netns: String,
        cniArgs: [CNIArgPair], capabilityArgs: JSONObject, result: JSONValue?
    ) {
        self.containerID = containerID
        self.config = config
        self.ifName = ifName
        self.networkName = networkName
        self.netns = netns
        self.cniArgs = cniArgs
        self.capabilityArgs = capabilityArgs
        self.result = result
    }

    /// The record of a successful ADD.
    public init(list: NetworkConfigList, rt: RuntimeConf, result: JSONValue) {
        self.init(
            containerID: rt.containerID, config: list.bytes, ifName: rt.ifName, networkName: list.name,
            netns: rt.netns, cniArgs: rt.args, capabilityArgs: rt.capabilityArgs, result: result)
    }

    /// The runtime inputs recorded with the attachment (used for DELs synthesized by GC).
    public var runtimeConf: RuntimeConf {
        RuntimeConf(containerID: containerID, netns: netns, ifName: ifName, args: cniArgs, capabilityArgs: capabilityArgs)
    }

    public var attachment: CNIAttachment { CNIAttachment(containerID: containerID, ifname: ifName) }

    public func json() -> JSONValue {
        var o = JSONObject()
        o["kind"] = .string(Self.kindV1)
        o["containerId"] = .string(containerID)
        o["config"] = .string(Base64.encode(config))
        o["ifName"] = .string(ifName)
        o["networkName"] = .string(networkName)
        if !netns.isEmpty { o["netns"] = .string(netns) }
        if !cniArgs.isEmpty { o["cniArgs"] = .array(cniArgs.map { .array([.string($0.key), .string($0.value)]) }) }
        if !capabilityArgs.isEmpty { o["capabilityArgs"] = JSONValue.object(capabilityArgs).sortingKeys() }
        if let result, result.objectValue?.isEmpty != true { o["result"] = result.sortingKeys() }
        return .object(o)
    }

    /// Decodes a `cniCacheV1` record; errors name what is wrong.
    public init(json value: JSONValue) throws(CNIError) {
        guard case .object(let object) = value else {
            throw CNIError(.decodingFailure, "cache entry is not a JSON object", details: "got \(value.typeName)")
        }
        let r = JSONFieldReader(object, path: "cache")
        guard let kind = try r.string("kind"), kind == Self.kindV1 else {
            throw CNIError(.decodingFailure, "cache entry has wrong kind", details: "expected \"\(Self.kindV1)\", got \(object["kind"]?.serialized() ?? "none")")
        }
        let configText = try r.string("config") ?? ""
        guard let config = Base64.decode(configText) else {
            throw CNIError(.decodingFailure, "cache entry has invalid base64 in \"config\"")
        }
        var pairs: [CNIArgPair] = []
        for (i, item) in (try r.array("cniArgs") ?? []).enumerated() {
            guard let pair = item.arrayValue, pair.count == 2, let k = pair[0].stringValue, let v = pair[1].stringValue else {
                throw CNIError(.decodingFailure, "cache entry has invalid cniArgs[\(i)]", details: "expected [key, value] strings")
            }
            pairs.append(CNIArgPair(k, v))
        }
        let result = object["result"]
        if let result, !result.isNull, result.objectValue == nil {
            throw CNIError(.decodingFailure, "cache entry has invalid \"result\"", details: "expected object, got \(result.typeName)")
        }
        self.init(
            containerID: try r.string("containerId") ?? "", config: config, ifName: try r.string("ifName") ?? "",
            networkName: try r.string("networkName") ?? "", netns: try r.string("netns") ?? "", cniArgs: pairs,
            capabilityArgs: try r.object("capabilityArgs")?.object ?? JSONObject(),
            result: (result?.isNull ?? true) ? nil : result)
    }
}

extension JSONValue {
    /// The same value with object keys sorted bytewise at every level (Go's map order).
    public func sortingKeys() -> JSONValue {
        switch self {
        case .object(let object):
            let sorted = object.members
                .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                .map { ($0.key, $0.value.sortingKeys()) }
            return .object(JSONObject(sorted))
        case .array(let items): return .array(items.map { $0.sortingKeys() })
        default: return self
        }
    }
}
