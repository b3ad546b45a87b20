/// A manifest that cannot be understood: where (source and JSON path) and why.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let source: String
    public let path: String
    public let reason: String

    public init(source: String, path: String, reason: String) {
        self.source = source
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(source): \(path): \(reason)" }
}
