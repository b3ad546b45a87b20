import CNISpec
import JSONSupport

/// A network configuration list (`.conflist`), the unit a runtime adds a container to.
///
/// Plugin objects are kept as parsed, with every member in its original order, so fields
/// the runtime does not interpret reach the plugin unchanged.
public struct NetworkConfigList: Sendable {
    public var name: String
    /// The version selected for every request of this list (see `VersionSelection`).
    public var cniVersion: CNIVersion
    public var disableCheck: Bool
    public var disableGC: Bool
    public var loadOnlyInlinedPlugins: Bool
    /// Plugin configuration objects, in execution order.
    public var plugins: [JSONObject]
    /// The bytes of the list as loaded (stored base64-encoded in the result cache, as libcni does).
    public var bytes: [UInt8]
    /// Where the list came from (file path, or a description), for messages.
    public var source: String

    public init(
        name: String, cniVersion: CNIVersion, disableCheck: Bool = false, disableGC: Bool = false,
        loadOnlyInlinedPlugins: Bool = false, plugins: [JSONObject], bytes: [UInt8], source: String
    ) {
        self.name = name
        self.cniVersion = cniVersion
        self.disableCheck = disableCheck
        self.disableGC = disableGC
        self.loadOnlyInlinedPlugins = loadOnlyInlinedPlugins
        self.plugins = plugins
        self.bytes = bytes
        self.source = source
    }

    /// The `type` of each plugin, for messages.
    public var pluginTypes: [String] { plugins.map { $0["type"]?.stringValue ?? "?" } }

    /// Parses a configuration list. `plugins` may be absent or empty only when plugins can
    /// still come from the list's side directory (`loadOnlyInlinedPlugins` false); the caller
    /// checks that at least one plugin was found in the end.
    public static func parse(_ bytes: [UInt8], source: String) throws(CNIError) -> NetworkConfigList {
        let object = try parseObject(bytes, source: source)
        let reader = JSONFieldReader(object)
        let name = try requireName(reader, source: source)
        let version = try VersionSelection.select(
            cniVersion: try reader.string("cniVersion"), cniVersions: try reader.strings("cniVersions"), source: source)
        let onlyInlined = try flag(object, "loadOnlyInlinedPlugins", source: source)
        var plugins: [JSONObject] = []
        for (index, item) in (try reader.array("plugins") ?? []).enumerated() {
            guard case .object(let plugin) = item else {
                throw CNIError(
                    .invalidNetworkConfig, "invalid plugin \(index) in \(source)",
                    details: "plugins[\(index)] is a \(item.typeName), expected an object")
            }
            try validatePlugin(plugin, where: "plugins[\(index)] of \(source)")
            plugins.append(plugin)
        }
        if onlyInlined && plugins.isEmpty {
            throw CNIError(
                .invalidNetworkConfig, "invalid network configuration list \(source)",
                details: "loadOnlyInlinedPlugins is true but \"plugins\" is missing or empty")
        }
        return NetworkConfigList(
            name: name, cniVersion: version, disableCheck: try flag(object, "disableCheck", source: source),
            disableGC: try flag(object, "disableGC", source: source), loadOnlyInlinedPlugins: onlyInlined,
            plugins: plugins, bytes: bytes, source: source)
    }

    /// Converts a legacy single-plugin configuration (`.conf` / `.json`) to a one-plugin list,
    /// like libcni's `ConfListFromConf`: `{"cniVersion","name","plugins":[conf]}`. The list's
    /// bytes (cached as `config`) have sorted keys, as Go's map marshalling writes them; the
    /// plugin object itself keeps its order.
    public static func fromSinglePlugin(_ bytes: [UInt8], source: String) throws(CNIError) -> NetworkConfigList {
        let object = try parseObject(bytes, source: source)
        let reader = JSONFieldReader(object)
        let name = try requireName(reader, source: source)
        try validatePlugin(object, where: source)
        let versionText = try reader.string("cniVersion")
        let version = try VersionSelection.select(cniVersion: versionText, cniVersions: nil, source: source)
        var list = JSONObject()
        list["cniVersion"] = .string(versionText ?? "")
        list["name"] = .string(name)
        list["plugins"] = .array([.object(object)])
        return NetworkConfigList(
            name: name, cniVersion: version, loadOnlyInlinedPlugins: true, plugins: [object],
            bytes: JSONValue.object(list).sortingKeys().serializedBytes(), source: source)
    }

    /// A plugin object from a side-directory file (`<confdir>/<name>/*.conf`).
    public static func parsePluginObject(_ bytes: [UInt8], source: String) throws(CNIError) -> JSONObject {
        let object = try parseObject(bytes, source: source)
        try validatePlugin(object, where: source)
        return object
    }

    /// A boolean list flag; like libcni, the strings "true" / "false" (any case) are accepted too.
    static func flag(_ object: JSONObject, _ key: String, source: String) throws(CNIError) -> Bool {
        switch object[key] {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .string(let text)? where text.lowercased() == "true": return true
        case .string(let text)? where text.lowercased() == "false": return false
        case let other?:
            throw CNIError(
                .decodingFailure, "invalid \"\(key)\" in \(source)", details: "expected a boolean, got \(other.serialized())")
        }
    }

    static func parseObject(_ bytes: [UInt8], source: String) throws(CNIError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "cannot parse \(source)", details: error.description)
        }
        guard case .object(let object) = value else {
            throw CNIError(.decodingFailure, "cannot parse \(source)", details: "expected a JSON object, got \(value.typeName)")
        }
        return object
    }

    static func requireName(_ reader: JSONFieldReader, source: String) throws(CNIError) -> String {
        guard let name = try reader.string("name"), !name.isEmpty else {
            throw CNIError(.invalidNetworkConfig, "invalid network configuration \(source)", details: "\"name\" is missing or empty")
        }
        return name
    }

    static func validatePlugin(_ plugin: JSONObject, where location: String) throws(CNIError) {
        guard let type = plugin["type"]?.stringValue, !type.isEmpty else {
            throw CNIError(.invalidNetworkConfig, "invalid plugin configuration in \(location)", details: "\"type\" is missing or empty")
        }
        guard !type.utf8.contains(UInt8(ascii: "/")) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid plugin configuration in \(location)",
                details: "\"type\" must be a binary name without '/', got \"\(type)\"")
        }
        if let caps = plugin["capabilities"], !caps.isNull, caps.objectValue == nil {
            throw CNIError(
                .decodingFailure, "invalid plugin configuration in \(location)",
                details: "\"capabilities\" is a \(caps.typeName), expected an object")
        }
    }
}
