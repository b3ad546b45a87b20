import CNISpec
import NFTables

/// The portmap configuration: the plugin's options and the runtime's port mappings.
public struct PortMapConfig: Sendable {
    public var network: String
    /// Masquerade hairpin, pod-to-pod-through-the-node and localhost connections (default true).
    public var snat: Bool
    /// Masquerade every translated connection (default false).
    public var masqAll: Bool
    public var conditionsV4: [NFTStatement]
    public var conditionsV6: [NFTStatement]
    public var mappings: [PortMapping]

    public init(_ config: NetConf) throws(CNIError) {
        let reader = config.reader
        network = config.name
        snat = try reader.bool("snat") ?? true
        masqAll = try reader.bool("masqAll") ?? false
        if let backend = try reader.string("backend"), backend != "nftables" {
            throw CNIError(
                .unsupportedField, "unsupported backend \"\(backend)\"",
                details: "this portmap programs nftables only; use \"backend\": \"nftables\" or leave it out")
        }
        if let chain = try reader.string("externalSetMarkChain"), !chain.isEmpty {
            throw CNIError(
                .unsupportedField, "unsupported field externalSetMarkChain \"\(chain)\"",
                details: "an iptables-only option; the nftables rules of this portmap need no mark chain")
        }
        if let bit = try reader.int("markMasqBit"), !(0...31).contains(bit) {
            throw CNIError(.invalidNetworkConfig, "invalid markMasqBit \(bit)", details: "must be 0 to 31 (it is not used by nftables rules)")
        }
        conditionsV4 = try Self.conditions(reader, "conditionsV4", family: .ipv4)
        conditionsV6 = try Self.conditions(reader, "conditionsV6", family: .ipv6)
        mappings = []
        for item in try config.runtimeConfig.objects("portMappings") ?? [] {
            mappings.append(try PortMapping.parse(item))
        }
    }

    private static func conditions(
        _ reader: JSONFieldReader, _ key: String, family: NFTPrefix.Family
    ) throws(CNIError) -> [NFTStatement] {
        guard let tokens = try reader.strings(key), !tokens.isEmpty else { return [] }
        return try NFTConditionParser.parse(tokens, family: family, field: key)
    }

    public func conditions(_ family: NFTPrefix.Family) -> [NFTStatement] {
        family == .ipv4 ? conditionsV4 : conditionsV6
    }
}
