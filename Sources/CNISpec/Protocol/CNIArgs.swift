/// The `CNI_ARGS` environment variable: `KEY=VALUE` pairs separated by `;`.
///
/// Unknown keys are always accepted. The reference rejects them unless `IgnoreUnknown=1` is
/// present; every Kubernetes runtime sends `IgnoreUnknown=1` anyway, and a chain of plugins
/// cannot know each other's keys (containernetworking/cni#560), so we never reject them.
public struct CNIArgs: Sendable, Equatable {
    public private(set) var pairs: [(key: String, value: String)]

    public static func == (lhs: CNIArgs, rhs: CNIArgs) -> Bool {
        lhs.pairs.map(\.key) == rhs.pairs.map(\.key) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    public init() { pairs = [] }

    /// Parses `CNI_ARGS`; each non-empty item must contain exactly one `=`.
    public init(parsing text: String) throws(CNIError) {
        pairs = []
        guard !text.isEmpty else { return }
        for item in text.split(separator: ";", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CNIError(
                    .invalidEnvironment, "invalid CNI_ARGS pair \"\(item)\"",
                    details: "CNI_ARGS must be KEY=VALUE pairs separated by ';'")
            }
            pairs.append((key: String(parts[0]), value: String(parts[1])))
        }
    }

    /// The value of the last occurrence of `key` (keys are case-sensitive, as in the reference).
    public subscript(key: String) -> String? {
        pairs.last { $0.key == key }?.value
    }
}
