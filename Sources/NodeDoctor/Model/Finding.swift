import JSONSupport

/// One problem `cnictl doctor` found: what is wrong, the kernel object or counter (or file)
/// that shows it, and how to fix it.
///
/// `check` is a stable identifier (`ip-forwarding-off`, `peer-fdb-missing`, ...): scripts
/// match on it, never on the prose. The JSON line carries the fields in the order
/// `check`, `network`, `object`, `problem`, `evidence`, `fix` (see docs/doctor.md).
public struct Finding: Sendable, Equatable {
    public var check: String
    public var network: String
    /// The object concerned: an interface, sysctl, nftables chain, address or file.
    public var object: String
    public var problem: String
    public var evidence: String
    public var fix: String

    public init(check: String, network: String, object: String, problem: String, evidence: String, fix: String) {
        self.check = check
        self.network = network
        self.object = object
        self.problem = problem
        self.evidence = evidence
        self.fix = fix
    }

    public var json: JSONValue {
        .object(JSONObject([
            ("check", .string(check)), ("network", .string(network)), ("object", .string(object)),
            ("problem", .string(problem)), ("evidence", .string(evidence)), ("fix", .string(fix)),
        ]))
    }

    /// The plain-text form: a headline and two indented lines.
    public var text: String {
        "[\(check)] \(network): \(problem)\n    evidence: \(evidence)\n    fix:      \(fix)"
    }
}
