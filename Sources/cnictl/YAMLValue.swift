import CNISpec
import Foundation
import JSONSupport

/// Yams' plain values (dictionaries, arrays, strings, numbers, booleans, null, dates) as
/// CNISpec JSON values, so YAML manifests and node lists go through the same decoders as JSON.
/// Object members are written in sorted key order (YAML mappings have none to keep).
enum YAMLValue {
    static func json(_ value: Any?, path: String) throws(CNIError) -> JSONValue {
        switch value {
        case nil, is NSNull: return .null
        case let bool as Bool: return .bool(bool)
        case let int as Int: return .int(int)
        case let double as Double: return .number(String(double))
        case let string as String: return .string(string)
        case let date as Date: return .string("\(date)")
        case let array as [Any?]:
            var items: [JSONValue] = []
            for item in array { items.append(try json(item, path: path)) }
            return .array(items)
        case let dictionary as [AnyHashable: Any?]:
            var object = JSONObject()
            let entries = dictionary.map { (key: "\($0.key.base)", value: $0.value) }.sorted { $0.key < $1.key }
            for entry in entries { object[entry.key] = try json(entry.value, path: path) }
            return .object(object)
        default:
            throw CNIError(.decodingFailure, "cannot parse \(path)", details: "unsupported YAML value \(String(describing: value))")
        }
    }
}
