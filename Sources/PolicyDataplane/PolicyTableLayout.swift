import NFTables
import NetworkPolicy

/// Names and shapes of the objects of the policy table (`inet swcni_netpol`).
///
/// The table hooks `forward` in the node's network namespace: pod-to-pod traffic on one
/// bridge reaches it through br_netfilter (`net.bridge.bridge-nf-call-iptables=1`, the
/// default in a new namespace once the module is loaded), routed traffic (other nodes over
/// vxlan, outside addresses) directly. Traffic from and to the node itself (input/output)
/// is not policed, as kubelet probes must pass.
public struct PolicyTableLayout: Sendable {
    public static let defaultTableName = "swcni_netpol"
    /// nflog group of drop logs (`cnictl policy drops` reads it).
    public static let defaultLogGroup = 7
    public static let logPrefixTag = "swcni-np DROP "

    public let table: NFTTable
    public let logGroup: Int

    public init(tableName: String = defaultTableName, logGroup: Int = defaultLogGroup) {
        table = NFTTable(.inet, tableName)
        self.logGroup = logGroup
    }

    public var forwardChain: NFTChain {
        NFTChain(table: table, name: "forward", base: .forwardFilter)
    }

    public func chain(_ name: String) -> NFTChain { NFTChain(table: table, name: name) }

    public enum Family: String, Sendable, CaseIterable {
        case v4 = "4", v6 = "6"
        var addressType: String { self == .v4 ? "ipv4_addr" : "ipv6_addr" }
        var payloadProtocol: String { self == .v4 ? "ip" : "ip6" }
        init(_ family: IPAddress.Family) { self = family == .ipv4 ? .v4 : .v6 }
    }

    public func addressSet(_ name: String, _ family: Family) -> NFTSet {
        NFTSet(table: table, name: "\(name)_\(family.rawValue)", keyType: [family.addressType])
    }

    public func namedPortSet(_ name: String, _ family: Family) -> NFTSet {
        NFTSet(table: table, name: "\(name)_\(family.rawValue)", keyType: [family.addressType, "inet_proto", "inet_service"])
    }

    public func dispatchMap(_ direction: NetworkPolicy.PolicyType, _ family: Family) -> NFTSet {
        NFTSet(table: table, name: "\(direction == .ingress ? "ingress" : "egress")_\(family.rawValue)", keyType: [family.addressType], mapsTo: "verdict")
    }
}
