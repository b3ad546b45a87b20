import JSONSupport
/// A well-known CNI error code (specification section "Error").
///
/// An open set: plugins may use codes of 100 and above for their own failures.
public struct CNIErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// 1: the request's `cniVersion` is not supported, or the command needs a newer one.
    public static let incompatibleVersion = CNIErrorCode(rawValue: 1)
    /// 2: a field of the network configuration is not supported; `msg` names key and value.
    public static let unsupportedField = CNIErrorCode(rawValue: 2)
    /// 3: the container is unknown or does not exist.
    public static let unknownContainer = CNIErrorCode(rawValue: 3)
    /// 4: a `CNI_*` environment variable is missing or invalid.
    public static let invalidEnvironment = CNIErrorCode(rawValue: 4)
    /// 5: an I/O failure, for example reading stdin or a state file.
    public static let ioFailure = CNIErrorCode(rawValue: 5)
    /// 6: content could not be decoded (malformed JSON, wrong JSON types, bad version text).
    public static let decodingFailure = CNIErrorCode(rawValue: 6)
    /// 7: the network configuration is invalid.
    public static let invalidNetworkConfig = CNIErrorCode(rawValue: 7)
    /// 8: `CNI_NETNS` is the plugin's own namespace (libcni's code; not in the spec table).
    public static let invalidNetNS = CNIErrorCode(rawValue: 8)
    /// 11: a transient condition; the runtime should try again later.
    public static let tryAgainLater = CNIErrorCode(rawValue: 11)
    /// 50: STATUS: the plugin cannot serve ADD requests.
    public static let pluginNotAvailable = CNIErrorCode(rawValue: 50)
    /// 51: STATUS: cannot serve ADD, and existing containers may have limited connectivity.
    public static let pluginNotAvailableLimitedConnectivity = CNIErrorCode(rawValue: 51)
    /// 999: an internal failure that no other code describes.
    public static let internalError = CNIErrorCode(rawValue: 999)

    public var description: String { String(rawValue) }
}

/// The error a plugin reports to the runtime: `{"cniVersion","code","msg","details"}` on stdout.
public struct CNIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: CNIErrorCode
    public var msg: String
    public var details: String

    public init(_ code: CNIErrorCode, _ msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    public var description: String {
        details.isEmpty ? "\(msg) (code \(code))" : "\(msg): \(details) (code \(code))"
    }

    /// The spec's error object. `cniVersion` is included (the Go library omits it).
    public func json(version: CNIVersion) -> JSONValue {
        var object = JSONObject()
        object["cniVersion"] = .string(version.description)
        object["code"] = .int(code.rawValue)
        object["msg"] = .string(msg)
        if !details.isEmpty { object["details"] = .string(details) }
        return .object(object)
    }

    /// Reads an error object printed by another plugin (for example a delegated IPAM plugin).
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let code = object["code"]?.intValue else { return nil }
        self.init(
            CNIErrorCode(rawValue: code), object["msg"]?.stringValue ?? "",
            details: object["details"]?.stringValue ?? "")
    }
}

/// Errors of lower layers (netlink, nftables, stores) that know which CNI code describes them.
public protocol CNIErrorConvertible: Error {
    var cniError: CNIError { get }
}

extension CNIError: CNIErrorConvertible {
    public var cniError: CNIError { self }
}
