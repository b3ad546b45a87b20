import CNISpec
import JSONSupport
/// Turns one invocation (environment + stdin) into exactly one response on stdout.
///
/// Pure with respect to process state: the environment, stdin and the netns identity test
/// are injected, so every protocol rule is unit-testable without exec'ing a binary. The
/// order of checks follows the reference `skel`: command, required variables, stdin JSON,
/// network name, version, command-specific identifiers.
public struct PluginDispatcher {
    /// What the process should write and how it should exit.
    public struct Outcome: Sendable {
        public var stdout: [UInt8]
        public var stderr: String
        public var exitCode: Int32
    }

    public let plugin: any CNIPlugin
    public let getenv: (String) -> String?
    public let readStdin: () throws(CNIError) -> [UInt8]
    /// Whether a `CNI_NETNS` path is the plugin's own network namespace.
    public let isOwnNetNS: (String) -> Bool
    /// What a `CNI_NETNS` path names; asked only for plugins that enter the namespace.
    public let inspectNetNS: (String) -> NetNSInspection

    public init(
        plugin: any CNIPlugin, getenv: @escaping (String) -> String?,
        readStdin: @escaping () throws(CNIError) -> [UInt8],
        isOwnNetNS: @escaping (String) -> Bool = { _ in false },
        inspectNetNS: @escaping (String) -> NetNSInspection = { _ in .usable }
    ) {
        self.plugin = plugin
        self.getenv = getenv
        self.readStdin = readStdin
        self.isOwnNetNS = isOwnNetNS
        self.inspectNetNS = inspectNetNS
    }

    public func run() -> Outcome {
        let commandText = getenv("CNI_COMMAND") ?? ""
        if commandText.isEmpty {
            let versions = plugin.supportedVersions.map(\.description).joined(separator: ", ")
            return Outcome(
                stdout: [], stderr: "\(plugin.about)\nCNI protocol versions supported: \(versions)\nbuild: \(BuildIdentity.current)\n",
                exitCode: 0)
        }
        var responseVersion = CNIVersion.current
        do {
            guard let command = CNICommand(rawValue: commandText) else {
                throw CNIError(
                    .invalidEnvironment, "unknown CNI_COMMAND: \(commandText)",
                    details: "expected one of ADD, DEL, CHECK, GC, STATUS, VERSION")
            }
            let missing = command.requiredEnvironment.filter { (getenv($0) ?? "").isEmpty }
            if !missing.isEmpty {
                throw CNIError(
                    .invalidEnvironment, "required env variables [\(missing.joined(separator: ","))] missing",
                    details: "CNI_COMMAND=\(command.rawValue) requires \(command.requiredEnvironment.joined(separator: ", "))")
            }
            if command == .version { return version() }

            let stdin = try readStdin()
            let object = try Self.parseConfigObject(stdin)
            // From here on, errors are printed in the request's version when it is one we know.
            let versionText = try JSONFieldReader(object).string("cniVersion") ?? ""
            let requested = versionText.isEmpty ? CNIVersion.v0_1_0 : CNIVersion(versionText)
            if let requested, plugin.supportedVersions.contains(requested) { responseVersion = requested }

            let name = try JSONFieldReader(object).string("name") ?? ""
            try CNIValidation.validateNetworkName(name)

            guard let version = requested, plugin.supportedVersions.contains(version) else {
                let supported = plugin.supportedVersions.map { "\"\($0)\"" }.joined(separator: ", ")
                throw CNIError(
                    .incompatibleVersion, "incompatible CNI versions",
                    details: "config is \"\(versionText)\", plugin supports [\(supported)]")
            }
            if version < command.minimumVersion {
                throw CNIError(
                    .incompatibleVersion, "config version does not allow \(command.rawValue)",
                    details: "\(command.rawValue) requires cniVersion \(command.minimumVersion) or later; config is \"\(version)\"")
            }

            let containerID = getenv("CNI_CONTAINERID") ?? ""
            let ifName = getenv("CNI_IFNAME") ?? ""
            var netns = getenv("CNI_NETNS") ?? ""
            var notes = ""
            switch command {
            case .add, .check, .del:
                try CNIValidation.validateContainerID(containerID)
                try CNIValidation.validateInterfaceName(ifName)
            default:
                break
            }
            let override = getenv("CNI_NETNS_OVERRIDE") != nil
            if command == .add || command == .check, !netns.isEmpty {
                if !override, isOwnNetNS(netns) { throw Self.ownNamespace(netns) }
                if plugin.entersNetNS { try Self.requireNetworkNamespace(inspectNetNS(netns), netns) }
            }
            if command == .del, !netns.isEmpty, plugin.entersNetNS {
                // The plugin's own namespace is refused for DEL too: deleting CNI_IFNAME (or
                // taking lo down) there would cut the node off.
                if !override, isOwnNetNS(netns) { throw Self.ownNamespace(netns) }
                // DEL succeeds when the namespace is gone; a path that names no usable
                // namespace is treated the same way, so only host-side state is cleaned up.
                let inspection = inspectNetNS(netns)
                if inspection != .usable {
                    notes = "CNI_NETNS \(Self.shown(netns)): \(inspection.summary); cleaning up host-side state only\n"
                    netns = ""
                }
            }
            let args = try CNIArgs(parsing: getenv("CNI_ARGS") ?? "")
            let path = (getenv("CNI_PATH") ?? "").split(separator: ":").map(String.init)
            let config = try NetConf(bytes: stdin, object: object, version: version)
            let request = CNIRequest(
                command: command, containerID: command == .gc || command == .status ? "" : containerID,
                netns: netns, ifName: ifName, args: args, path: path, config: config)

            switch command {
            case .add:
                let result = try plugin.add(request)
                var bytes: [UInt8]
                do {
                    bytes = try result.json(version: version).serializedBytes()
                } catch {
                    // The attachment exists but its result cannot be printed: an ADD that
                    // fails leaves nothing behind, so it is undone before the error is returned.
                    var undo = ""
                    do { try plugin.del(request) } catch { undo = "undoing the ADD failed: \(Self.cniError(from: error).msg)\n" }
                    return Self.failure(Self.cniError(from: error), version: version, stderr: undo)
                }
                bytes.append(0x0A)
                return Outcome(stdout: bytes, stderr: notes, exitCode: 0)
            case .del: try plugin.del(request)
            case .check: try plugin.check(request)
            case .gc: try plugin.gc(request)
            case .status: try plugin.status(request)
            case .version: break
            }
            return Outcome(stdout: [], stderr: notes, exitCode: 0)
        } catch {
            return Self.failure(Self.cniError(from: error), version: responseVersion)
        }
    }

    private static func ownNamespace(_ netns: String) -> CNIError {
        CNIError(
            .invalidNetNS, "CNI_NETNS is the plugin's own network namespace",
            details: "refusing to configure \(shown(netns)), the namespace the plugin runs in")
    }

    /// ADD and CHECK need a network namespace: a missing path is an unknown container (3),
    /// anything else that is not a network namespace an invalid `CNI_NETNS` (4).
    private static func requireNetworkNamespace(_ inspection: NetNSInspection, _ netns: String) throws(CNIError) {
        switch inspection {
        case .usable: return
        case .own: throw ownNamespace(netns)
        case .missing(let details):
            throw CNIError(.unknownContainer, "network namespace does not exist", details: "CNI_NETNS: \(details)")
        case .unusable(let details):
            throw CNIError(.invalidEnvironment, "CNI_NETNS is not a network namespace", details: details)
        }
    }

    /// A caller-supplied path as it appears in messages (a hostile 5,000-byte path is cut).
    static func shown(_ path: String) -> String {
        let bytes = Array(path.utf8)
        guard bytes.count > 256 else { return path }
        return String(decoding: bytes.prefix(120), as: UTF8.self) + "...(\(bytes.count) bytes)"
    }

    /// The VERSION reply: `cniVersion` echoes the input's version (spec), or the newest one
    /// when stdin is empty or carries none.
    private func version() -> Outcome {
        var replyVersion = CNIVersion.current.description
        if let stdin = try? readStdin(), !stdin.isEmpty,
            let object = (try? JSONParser.parse(stdin))?.objectValue,
            let text = object["cniVersion"]?.stringValue, CNIVersion(text) != nil
        {
            replyVersion = text
        }
        var object = JSONObject()
        object["cniVersion"] = .string(replyVersion)
        object["supportedVersions"] = .array(plugin.supportedVersions.map { .string($0.description) })
        var bytes = JSONValue.object(object).serializedBytes()
        bytes.append(0x0A)
        return Outcome(stdout: bytes, stderr: "", exitCode: 0)
    }

    static func parseConfigObject(_ stdin: [UInt8]) throws(CNIError) -> JSONObject {
        if stdin.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw CNIError(.decodingFailure, "error parsing network configuration", details: "stdin is empty")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(stdin)
        } catch {
            throw CNIError(.decodingFailure, "error parsing network configuration", details: error.description)
        }
        guard case .object(let object) = value else {
            throw CNIError(
                .decodingFailure, "error parsing network configuration",
                details: "expected a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// The CNI error for anything a callback threw.
    public static func cniError(from error: any Error) -> CNIError {
        if let convertible = error as? any CNIErrorConvertible { return convertible.cniError }
        return CNIError(.internalError, "internal error", details: String(describing: error))
    }

    static func failure(_ error: CNIError, version: CNIVersion, stderr: String = "") -> Outcome {
        var bytes = error.json(version: version).serializedBytes()
        bytes.append(0x0A)
        return Outcome(stdout: bytes, stderr: stderr, exitCode: 1)
    }
}
