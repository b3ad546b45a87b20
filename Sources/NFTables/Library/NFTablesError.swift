import CNISpec

/// A failure of the nftables layer: libnftables could not be loaded, a command failed (with
/// the command text and libnftables' own error text), or its output was not what we expected.
public struct NFTablesError: Error, Sendable, Equatable, CustomStringConvertible, CNIErrorConvertible {
    public enum Kind: Sendable, Equatable {
        /// `dlopen`/`dlsym`/`nft_ctx_new` failed (libnftables1 missing or too old).
        case libraryUnavailable
        /// libnftables rejected or failed a command buffer; nothing of it was applied.
        case commandFailed
        /// libnftables answered with output this layer cannot read.
        case unreadableOutput
        /// A value handed to a builder cannot be expressed (bad address, name too long, ...).
        case invalidArgument
        /// The lock serialising changes to our tables could not be taken.
        case lockFailed
    }

    public var kind: Kind
    /// What we were doing, e.g. `apply transaction (3 commands)` or `list table inet swcni_bridge`.
    public var operation: String
    /// libnftables' error text (or dlerror / errno text), trimmed.
    public var reason: String
    /// The JSON command text handed to libnftables, when there was one.
    public var command: String

    public init(kind: Kind, operation: String, reason: String, command: String = "") {
        self.kind = kind
        self.operation = operation
        self.reason = reason
        self.command = command
    }

    static func libraryUnavailable(_ reason: String) -> NFTablesError {
        NFTablesError(kind: .libraryUnavailable, operation: "load \(LibNFTables.soname)", reason: reason)
    }

    public static func invalidArgument(_ operation: String, _ reason: String) -> NFTablesError {
        NFTablesError(kind: .invalidArgument, operation: operation, reason: reason)
    }

    /// True when libnftables reported that the object does not exist (ENOENT's text).
    public var isNotFound: Bool {
        kind == .commandFailed && reason.contains("No such file or directory")
    }

    public var description: String {
        var text = "nftables: \(operation) failed: \(reason)"
        if !command.isEmpty {
            let limit = 2048
            let shown = command.utf8.count <= limit ? command : String(command.prefix(limit)) + "..."
            text += " (command: \(shown))"
        }
        return text
    }

    public var cniError: CNIError {
        switch kind {
        case .libraryUnavailable:
            return CNIError(
                .internalError, "cannot load libnftables",
                details: "\(reason); install the libnftables1 package")
        case .invalidArgument:
            return CNIError(.invalidNetworkConfig, "nftables: invalid \(operation)", details: reason)
        default:
            return CNIError(.internalError, "nftables: \(operation) failed", details: description)
        }
    }
}
