import CNISpec
import NFTables

/// Plugin-specific error codes (100 and above) and the mapping of nftables failures.
public enum FirewallError {
    /// 100: an nftables read or transaction failed.
    public static let nftablesFailed = CNIErrorCode(rawValue: 100)
    /// 103: CHECK found rules missing or changed.
    public static let rulesMissing = CNIErrorCode(rawValue: 103)

    static func nftables(_ operation: String, _ error: NFTablesError) -> CNIError {
        switch error.kind {
        case .invalidArgument:
            return CNIError(.invalidNetworkConfig, "firewall: \(operation): invalid \(error.operation)", details: error.reason)
        case .libraryUnavailable:
            return CNIError(nftablesFailed, "firewall: \(operation): cannot load libnftables", details: "\(error.reason); install libnftables1")
        default:
            return CNIError(nftablesFailed, "firewall: \(operation) failed", details: error.description)
        }
    }
}
