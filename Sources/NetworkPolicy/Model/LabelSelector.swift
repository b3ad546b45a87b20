/// A Kubernetes label selector (`matchLabels` and `matchExpressions`); every requirement must
/// hold. The empty selector matches everything.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable {
        public enum Operator: String, Sendable, Hashable {
            case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
        }

        public let key: String
        public let op: Operator
        /// Sorted and without duplicates.
        public let values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = Array(Set(values)).sorted()
        }

        /// Kubernetes semantics: `NotIn` also matches when the label is absent.
        public func matches(_ labels: Labels) -> Bool {
            let value = labels[key]
            switch op {
            case .in: return value.map { values.contains($0) } ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }

        var canonical: String {
            switch op {
            case .in: return "\(key) in (\(values.joined(separator: ",")))"
            case .notIn: return "\(key) notin (\(values.joined(separator: ",")))"
            case .exists: return key
            case .doesNotExist: return "!" + key
            }
        }
    }

    /// `matchLabels`, sorted by key.
    public let matchLabels: [(key: String, value: String)]
    public let matchExpressions: [Requirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [Requirement] = []) {
        self.matchLabels = matchLabels.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        self.matchExpressions = matchExpressions.sorted { $0.canonical < $1.canonical }
        let parts = self.matchLabels.map { "\($0.key)=\($0.value)" } + self.matchExpressions.map(\.canonical)
        description = parts.isEmpty ? "{}" : parts.joined(separator: ",")
    }

    /// The selector that matches everything (`{}`).
    public static let everything = LabelSelector()

    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    public func matches(_ labels: Labels) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in matchExpressions where !requirement.matches(labels) { return false }
        return true
    }

    /// A stable text form (like `kubectl`'s): equal selectors have equal descriptions.
    /// Computed once: it is the selector's identity (equality, hashing, set names).
    public let description: String

    public static func == (lhs: LabelSelector, rhs: LabelSelector) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// Labels of a pod or namespace.
public typealias Labels = [String: String]
