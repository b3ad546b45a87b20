import CNISpec
import Foundation
import Overlay
import Yams
import JSONSupport

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
                value = try YAMLValue.json(try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)), path: path)
            } catch {
                throw CNIError(.decodingFailure, "peers file \(path) is neither JSON nor YAML", details: "\(error)")
            }
        }
        return try NodeInventory.parse(value, source: path)
    }
}
