/// A CNI specification version such as `1.1.0`.
///
/// Plugins accept a request only when its `cniVersion` is exactly one of their supported
/// versions (string membership, as the reference `skel` does); ordering is used only for
/// "at least" checks such as CHECK requiring 0.4.0.
public struct CNIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `MAJOR.MINOR.PATCH` (decimal, no leading `v`, no pre-release suffix).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 6, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let n = Int(part)
            else { return nil }
            numbers.append(n)
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: CNIVersion, rhs: CNIVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public static let v0_1_0 = CNIVersion(0, 1, 0)
    public static let v0_2_0 = CNIVersion(0, 2, 0)
    public static let v0_3_0 = CNIVersion(0, 3, 0)
    public static let v0_3_1 = CNIVersion(0, 3, 1)
    public static let v0_4_0 = CNIVersion(0, 4, 0)
    public static let v1_0_0 = CNIVersion(1, 0, 0)
    public static let v1_1_0 = CNIVersion(1, 1, 0)

    /// The newest specification version this library implements.
    public static let current = v1_1_0

    /// Every specification version, oldest first.
    public static let all: [CNIVersion] = [v0_1_0, v0_2_0, v0_3_0, v0_3_1, v0_4_0, v1_0_0, v1_1_0]

    /// The result format family a version uses.
    public var resultFormat: ResultFormat {
        if self < .v0_3_0 { return .v020 }
        if self < .v1_0_0 { return .v040 }
        return .v100
    }

    /// Result encodings defined by the specification.
    public enum ResultFormat: Sendable {
        /// 0.1.0 and 0.2.0: `ip4` / `ip6` objects.
        case v020
        /// 0.3.0 to 0.4.0: `interfaces`, `ips` with `version`, `routes`.
        case v040
        /// 1.0.0 and 1.1.0: like 0.4.0 without `ips[].version`; 1.1.0 adds optional fields.
        case v100
    }
}
