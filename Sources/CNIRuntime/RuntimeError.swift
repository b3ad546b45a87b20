import CNISpec
import JSONSupport

/// Why a runtime operation failed.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// A plugin reported an error (or could not be run).
    case plugin(PluginFailure)
    /// The runtime itself could not proceed (configuration, cache, arguments).
    case runtime(CNIError)
    /// Several independent failures (GC continues after errors and reports them all).
    case multiple([RuntimeError])

    public var description: String {
        switch self {
        case .plugin(let failure): return failure.description
        case .runtime(let error): return error.description
        case .multiple(let errors): return errors.map(\.description).joined(separator: "; ")
        }
    }

    /// The CNI error that best describes the failure (the first one for `.multiple`).
    public var cniError: CNIError {
        switch self {
        case .plugin(let failure): return failure.error
        case .runtime(let error): return error
        case .multiple(let errors):
            guard let first = errors.first else { return CNIError(.internalError, "unknown failure") }
            if errors.count == 1 { return first.cniError }
            return CNIError(first.cniError.code, "\(errors.count) failures", details: description)
        }
    }

    /// The error object to print: the plugin's own JSON, unchanged, when a plugin printed one.
    public func json(version: CNIVersion) -> JSONValue {
        if case .plugin(let failure) = self, let output = failure.output { return output }
        if case .multiple(let errors) = self, errors.count == 1 { return errors[0].json(version: version) }
        return cniError.json(version: version)
    }
}

/// A plugin that failed: which one, for which command, and what it said.
public struct PluginFailure: Error, Sendable, CustomStringConvertible {
    /// Position in the list.
    public var index: Int
    public var type: String
    public var command: CNICommand
    public var error: CNIError
    /// The error object the plugin printed on stdout, when it printed valid JSON.
    public var output: JSONValue?

    public init(index: Int, type: String, command: CNICommand, error: CNIError, output: JSONValue? = nil) {
        self.index = index
        self.type = type
        self.command = command
        self.error = error
        self.output = output
    }

    public var description: String {
        "plugin \(index) type=\"\(type)\" failed (\(command.rawValue)): \(error)"
    }
}
