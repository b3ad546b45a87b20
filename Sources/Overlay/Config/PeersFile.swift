import CNISpec
import JSONSupport
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Reads the peers file: JSON in any shape `NodeInventory` accepts. It may be rewritten at
/// any time by whoever distributes the node list; it is read afresh on every ADD, GC,
/// STATUS and `cnictl reconcile-peers`.
public enum PeersFile {
    public static func read(_ path: String) throws(CNIError) -> [ClusterNode] {
        let fd: Int32
        do {
            fd = try RegularFile.openForReading(path)
        } catch {
            throw CNIError(.ioFailure, "cannot open peers file \(path)", details: error.description)
        }
        defer { close(fd) }
        let bytes: [UInt8]
        do {
            bytes = try FileDescriptorIO.readToEnd(fd)
        } catch {
            throw CNIError(.ioFailure, "cannot read peers file \(path)", details: error.description)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "peers file \(path) is not valid JSON", details: error.description)
        }
        return try NodeInventory.parse(value, source: path)
    }
}
