import CNftables

/// A base chain of any table in the namespace, as the netlink chain dump reports it.
public struct NFTBaseChainInfo: Sendable, Hashable {
    public let table: NFTTable
    public let name: String
    /// `NF_INET_*` hook number.
    public let hook: UInt32
    /// True when the chain's policy is drop.
    public let dropsByDefault: Bool
    /// The chain's counters (`NFTA_CHAIN_COUNTERS`: packets and bytes that reached its policy),
    /// when it was created with them (iptables-nft creates its built-in chains so).
    public var policyPackets: UInt64? = nil
    public var policyBytes: UInt64? = nil

    public var isForward: Bool { hook == UInt32(NF_INET_FORWARD.rawValue) }
}

extension NFTDump {
    /// Every base chain of the ip, ip6 and inet families (one dump of all chains).
    func baseChains() throws(NFTablesError) -> [NFTBaseChainInfo] {
        for _ in 0..<5 {
            var found: [NFTBaseChainInfo] = []
            let complete = try dump(Self.msgGetChain, family: 0, attributes: []) { bytes, payload in
                let familyNumber = bytes[payload.lowerBound - 4]  // nfgenmsg precedes the attributes
                let family: NFTFamily
                switch familyNumber {
                case Self.familyNumber(.ip): family = .ip
                case Self.familyNumber(.ip6): family = .ip6
                case Self.familyNumber(.inet): family = .inet
                default: return
                }
                let attributes = Self.attributes(bytes, payload)
                guard let tableRange = attributes[UInt16(NFTA_CHAIN_TABLE.rawValue)],
                    let nameRange = attributes[UInt16(NFTA_CHAIN_NAME.rawValue)],
                    let hookRange = attributes[UInt16(NFTA_CHAIN_HOOK.rawValue)]
                else { return }
                let hookAttributes = Self.attributes(bytes, hookRange)
                guard let numberRange = hookAttributes[UInt16(NFTA_HOOK_HOOKNUM.rawValue)], numberRange.count == 4 else { return }
                var policyDrop = false
                if let policyRange = attributes[UInt16(NFTA_CHAIN_POLICY.rawValue)], policyRange.count == 4 {
                    policyDrop = Self.bigEndian32(bytes, policyRange) == UInt32(NF_DROP)
                }
                var info = NFTBaseChainInfo(
                    table: NFTTable(family, Self.string(bytes, tableRange)), name: Self.string(bytes, nameRange),
                    hook: Self.bigEndian32(bytes, numberRange), dropsByDefault: policyDrop)
                if let countersRange = attributes[UInt16(NFTA_CHAIN_COUNTERS.rawValue)] {
                    let counters = Self.attributes(bytes, countersRange)
                    if let packets = counters[UInt16(NFTA_COUNTER_PACKETS.rawValue)], packets.count == 8,
                        let octets = counters[UInt16(NFTA_COUNTER_BYTES.rawValue)], octets.count == 8
                    {
                        info.policyPackets = Self.bigEndian64(bytes, packets)
                        info.policyBytes = Self.bigEndian64(bytes, octets)
                    }
                }
                found.append(info)
            }
            if complete { return found }
        }
        throw NFTablesError(
            kind: .commandFailed, operation: "dump chains",
            reason: "the ruleset kept changing during the dump (NLM_F_DUMP_INTR five times)")
    }

    static func bigEndian64(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64 {
        var value: UInt64 = 0
        for index in range { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    static func bigEndian32(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var value: UInt32 = 0
        for index in range { value = value << 8 | UInt32(bytes[index]) }
        return value
    }
}

extension NFTablesSession {
    /// Every base chain of the ip, ip6 and inet tables of the namespace (any owner).
    public func baseChains() throws(NFTablesError) -> [NFTBaseChainInfo] {
        try NFTDump(socket: socket).baseChains()
    }
}
