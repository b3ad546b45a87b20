import CNISpec
import NFTables

/// Plugin-specific error codes (100 and above) and the mapping of lower-layer failures.
public enum PortMapError {
    /// 100: an nftables read or transaction failed.
    public static let nftablesFailed = CNIErrorCode(rawValue: 100)
    /// 101: a kernel setting (route lookup, `route_localnet`) could not be read or written.
    public static let kernelSettingFailed = CNIErrorCode(rawValue: 101)
    /// 102: stale conntrack entries could not be deleted.
    public static let conntrackFailed = CNIErrorCode(rawValue: 102)
    /// 103: CHECK found rules missing or changed.
    public static let rulesMissing = CNIErrorCode(rawValue: 103)

    static func nftables(_ operation: String, _ error: NFTablesError) -> CNIError {
        switch error.kind {
        case .invalidArgument:
            return CNIError(.invalidNetworkConfig, "portmap: \(operation): invalid \(error.operation)", details: error.reason)
        case .libraryUnavailable:
            return CNIError(nftablesFailed, "portmap: \(operation): cannot load libnftables", details: "\(error.reason); install libnftables1")
        default:
            return CNIError(nftablesFailed, "portmap: \(operation) failed", details: error.description)
        }
    }
}
