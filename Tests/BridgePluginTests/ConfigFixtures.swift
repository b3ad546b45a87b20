import CNISpec

@testable import BridgePlugin
import JSONSupport

/// Builds a `NetConf` from JSON text the way the dispatcher does.
enum Fixture {
    static func netConf(_ json: String) throws -> NetConf {
        let bytes = Array(json.utf8)
        guard case .object(let object) = try JSONParser.parse(bytes) else { fatalError("fixture is not an object") }
        return try NetConf(bytes: bytes, object: object, version: .v1_0_0)
    }

    /// A configuration with `extra` members added after `name`/`type`.
    static func config(_ extra: String = "", cniArgs: String = "") throws(CNIError) -> BridgeConfig {
        let comma = extra.isEmpty ? "" : ","
        let json = #"{"cniVersion":"1.0.0","name":"net1","type":"bridge"\#(comma)\#(extra)}"#
        let conf: NetConf
        do { conf = try netConf(json) } catch let error as CNIError { throw error } catch { fatalError("\(error)") }
        return try BridgeConfig(config: conf, cniArgs: try CNIArgs(parsing: cniArgs))
    }

    /// The CNI error code a configuration produces, or nil when it is accepted.
    static func code(_ extra: String, cniArgs: String = "") -> Int? {
        do {
            _ = try config(extra, cniArgs: cniArgs)
            return nil
        } catch {
            return error.code.rawValue
        }
    }

    static func error(_ extra: String, cniArgs: String = "") -> CNIError? {
        do {
            _ = try config(extra, cniArgs: cniArgs)
            return nil
        } catch {
            return error
        }
    }
}
