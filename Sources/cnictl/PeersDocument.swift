import CNISpec
import Foundation
import VxlanPlugin
import Yams

/// Reads the node list given to `cnictl reconcile-peers --peers`: JSON, or YAML (for
/// example `kubectl get nodes -o yaml`), in any shape `NodeInventory` accepts. JSON is tried
/// first; a file that is not JSON is read as YAML (YAML is a superset of JSON, but the
/// JSON parser's errors are the better ones for JSON files).
enum PeersDocument {
    static func nodes(from path: String) throws(CNIError) -> [ClusterNode] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CNIError(.ioFailure, "cannot read peers file \(path)")
        }
        let bytes = [UInt8](data)
        let value: JSONValue
        if let json = try? JSONParser.parse(bytes) {
            value = json
        } else {
            do {
                value = try jsonValue(try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)), path: path)
            } catch {
                throw CNIError(.decodingFailure, "peers file \(path) is neither JSON nor YAML", details: "\(error)")
            }
        }
        return try NodeInventory.parse(value, source: path)
    }

    private static func jsonValue(_ value: Any?, path: String) throws -> JSONValue {
        switch value {
        case nil, is NSNull: return .null
        case let bool as Bool: return .bool(bool)
        case let int as Int: return .int(int)
        case let double as Double: return .number(String(double))
        case let string as String: return .string(string)
        case let array as [Any]: return .array(try array.map { try jsonValue($0, path: path) })
        case let dictionary as [String: Any]:
            var object = JSONObject()
            for key in dictionary.keys.sorted() { object[key] = try jsonValue(dictionary[key], path: path) }
            return .object(object)
        case let dictionary as [AnyHashable: Any]:
            var object = JSONObject()
            for (key, item) in dictionary { object["\(key.base)"] = try jsonValue(item, path: path) }
            return .object(object)
        default:
            throw CNIError(.decodingFailure, "\(path): unsupported YAML value \(String(describing: value))")
        }
    }
}
