import CNISpec
import Foundation
import HostLocalIPAM
import JSONSupport

/// Builds a request configuration as the dispatcher would.
func netConf(_ json: String) throws -> NetConf {
    let bytes = Array(json.utf8)
    guard case .object(let object) = try JSONParser.parse(bytes) else { fatalError("not an object") }
    let versionText = object["cniVersion"]?.stringValue ?? "0.1.0"
    return try NetConf(bytes: bytes, object: object, version: CNIVersion(versionText)!)
}

/// A configuration whose `ipam` object is `ipam` (JSON text), network `net`.
func hostLocalConfig(_ ipam: String, version: String = "1.0.0", extra: String = "", cniArgs: String = "") throws
    -> HostLocalConfig
{
    let json = #"{"cniVersion":"\#(version)","name":"net","type":"bridge","ipam":\#(ipam)\#(extra)}"#
    return try HostLocalConfig(netConf: try netConf(json), cniArgs: try CNIArgs(parsing: cniArgs))
}

/// A temporary data directory removed at the end of `body`.
func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "hl-unit-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// A manager for `ranges` (JSON) in a fresh data dir.
func withManager<T>(_ ranges: String, requested: [String] = [], version: String = "1.0.0",
                    _ body: (AddressManager, String) throws -> T) throws -> T {
    try withTempDir { dir in
        var config = try hostLocalConfig(#"{"type":"host-local","dataDir":"\#(dir)","ranges":\#(ranges)}"#, version: version)
        config.requestedIPs = requested.map { IPAddress($0)! }
        let manager = try AddressManager(config: config)
        return try body(manager, config.networkDirectory)
    }
}

func files(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

func content(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}

func attachment(_ id: String, _ ifname: String = "eth0") -> CNIAttachment {
    CNIAttachment(containerID: id, ifname: ifname)
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }
