import JSONSupport
/// Typed access to members of a configuration object, with errors that name the field.
///
/// A member of the wrong JSON type is a decoding failure (code 6), the same code the
/// reference's `encoding/json` unmarshalling produces; an absent member is `nil`, and
/// `null` counts as absent, as in Go.
///
/// With `matchesKeysIgnoringCase`, a key also finds members whose names differ from it only
/// in case (the last such member wins), as Go's `encoding/json` matches struct fields.
/// Runtimes build `runtimeConfig` from Go structs: containerd's go-cni marshals its
/// `PortMapping` and `BandWidth` without JSON tags (`{"HostPort":8080,...}`,
/// `{"IngressRate":...}`), which the reference plugins read through that matching.
/// Children read through `object(_:)` and `objects(_:)` inherit the mode.
public struct JSONFieldReader: Sendable {
    public let object: JSONObject
    /// Where this object sits in the configuration, e.g. `ipam.ranges[0][1]`.
    public let path: String
    public let matchesKeysIgnoringCase: Bool

    public init(_ object: JSONObject, path: String = "", matchesKeysIgnoringCase: Bool = false) {
        self.object = object
        self.path = path
        self.matchesKeysIgnoringCase = matchesKeysIgnoringCase
    }

    /// The member named `key` (see `matchesKeysIgnoringCase`), `null` included.
    public func value(_ key: String) -> JSONValue? {
        guard matchesKeysIgnoringCase else { return object[key] }
        var i = object.members.count - 1
        while i >= 0 {
            if Self.equalIgnoringCase(object.members[i].key, key) { return object.members[i].value }
            i -= 1
        }
        return nil
    }

    private static func equalIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.allSatisfy({ $0 < 0x80 }) && y.allSatisfy({ $0 < 0x80 }) else { return a.lowercased() == b.lowercased() }
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lp = (p >= 0x41 && p <= 0x5A) ? p | 0x20 : p
            let lq = (q >= 0x41 && q <= 0x5A) ? q | 0x20 : q
            if lp != lq { return false }
        }
        return true
    }

    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func typeError(_ key: String, expected: String, got: JSONValue) -> CNIError {
        CNIError(
            .decodingFailure, "wrong type for field \"\(fieldPath(key))\"",
            details: "expected \(expected), got \(got.typeName)")
    }

    public func has(_ key: String) -> Bool {
        if let v = self.value(key), !v.isNull { return true }
        return false
    }

    public func string(_ key: String) throws(CNIError) -> String? {
        guard let value = self.value(key), !value.isNull else { return nil }
        guard case .string(let s) = value else { throw typeError(key, expected: "string", got: value) }
        return s
    }

    public func bool(_ key: String) throws(CNIError) -> Bool? {
        guard let value = self.value(key), !value.isNull else { return nil }
        guard case .bool(let b) = value else { throw typeError(key, expected: "boolean", got: value) }
        return b
    }

    public func int(_ key: String) throws(CNIError) -> Int? {
        guard let value = self.value(key), !value.isNull else { return nil }
        guard case .number(let text) = value else { throw typeError(key, expected: "integer", got: value) }
        guard let n = Int(text) else {
            throw CNIError(
                .decodingFailure, "wrong type for field \"\(fieldPath(key))\"",
                details: "expected an integer, got \(text)")
        }
        return n
    }

    public func object(_ key: String) throws(CNIError) -> JSONFieldReader? {
        guard let value = self.value(key), !value.isNull else { return nil }
        guard case .object(let o) = value else { throw typeError(key, expected: "object", got: value) }
        return JSONFieldReader(o, path: fieldPath(key), matchesKeysIgnoringCase: matchesKeysIgnoringCase)
    }

    public func array(_ key: String) throws(CNIError) -> [JSONValue]? {
        guard let value = self.value(key), !value.isNull else { return nil }
        guard case .array(let a) = value else { throw typeError(key, expected: "array", got: value) }
        return a
    }

    /// An array of strings.
    public func strings(_ key: String) throws(CNIError) -> [String]? {
        guard let items = try array(key) else { return nil }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw CNIError(
                    .decodingFailure, "wrong type for field \"\(fieldPath(key))[\(i)]\"",
                    details: "expected string, got \(item.typeName)")
            }
            result.append(s)
        }
        return result
    }

    /// An array of objects, each with its own reader.
    public func objects(_ key: String) throws(CNIError) -> [JSONFieldReader]? {
        guard let items = try array(key) else { return nil }
        var result: [JSONFieldReader] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw CNIError(
                    .decodingFailure, "wrong type for field \"\(fieldPath(key))[\(i)]\"",
                    details: "expected object, got \(item.typeName)")
            }
            result.append(JSONFieldReader(o, path: "\(fieldPath(key))[\(i)]", matchesKeysIgnoringCase: matchesKeysIgnoringCase))
        }
        return result
    }
}
