import CNISpec
import NFTables

/// The firewall plugin's options.
public struct FirewallConfig: Sendable {
    public enum IngressPolicy: String, Sendable {
        /// Nothing is filtered (default).
        case open
        /// Traffic between this bridge and other bridges with an isolating policy is dropped
        /// (Docker's isolation stages); the bridge's own traffic and the outside pass.
        case sameBridge = "same-bridge"
        /// `same-bridge`, and traffic between pods of this bridge is dropped too (Docker's
        /// `enable_icc=false`).
        case isolated
    }

    public var network: String
    public var adminChain: String
    public var ingressPolicy: IngressPolicy

    public static let defaultAdminChain = "CNI-ADMIN"

    public init(_ config: NetConf) throws(CNIError) {
        let reader = config.reader
        network = config.name
        switch try reader.string("backend") {
        case nil, "", "iptables", "nftables":
            break
        case "firewalld":
            throw CNIError(
                .unsupportedField, "unsupported backend \"firewalld\"",
                details: "this firewall programs nftables (including iptables-nft's FORWARD chains); firewalld zones are not supported")
        case let other?:
            throw CNIError(.invalidNetworkConfig, "unknown backend \"\(other)\"", details: "expected iptables or nftables")
        }
        let admin = try reader.string("iptablesAdminChainName") ?? Self.defaultAdminChain
        guard !admin.isEmpty, admin.utf8.count <= 28,
            admin.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" })
        else {
            throw CNIError(
                .invalidNetworkConfig, "invalid iptablesAdminChainName \"\(admin)\"",
                details: "1 to 28 characters among letters, digits, - and _")
        }
        adminChain = admin
        let policyText = try reader.string("ingressPolicy") ?? ""
        guard let policy = policyText.isEmpty ? .open : IngressPolicy(rawValue: policyText) else {
            throw CNIError(
                .invalidNetworkConfig, "unknown ingressPolicy \"\(policyText)\"", details: "expected open, same-bridge or isolated")
        }
        ingressPolicy = policy
    }
}
