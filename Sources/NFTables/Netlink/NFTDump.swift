/// Read-only nf_tables dumps over netlink, parsed in Swift: the tables, chains and rules
/// (handle and comment only) of one table. This is what ownership decisions need, and it
/// costs microseconds where `list table` through libnftables costs ~30 µs of CPU per rule
/// (100 pods: ~3 ms), and it does not load libnftables at all.
struct NFTDump {
    // nfnetlink / nf_tables constants (linux/netfilter/nfnetlink.h, nf_tables.h).
    static let subsystemNFTables: UInt16 = 10
    static let msgGetTable: UInt16 = 1
    static let msgGetChain: UInt16 = 4
    static let msgGetRule: UInt16 = 7
    static let nlmsgError: UInt16 = 2
    static let nlmsgDone: UInt16 = 3
    static let flagRequest: UInt16 = 0x1
    static let flagDump: UInt16 = 0x300
    static let flagDumpInterrupted: UInt16 = 0x10
    static let tableName: UInt16 = 1  // NFTA_TABLE_NAME
    static let chainTable: UInt16 = 1, chainName: UInt16 = 3, chainHook: UInt16 = 4
    static let ruleTable: UInt16 = 1, ruleChain: UInt16 = 2, ruleHandle: UInt16 = 3, ruleUserdata: UInt16 = 7
    static let userdataComment: UInt8 = 0  // NFTNL_UDATA_RULE_COMMENT

    let socket: NetfilterSocket

    static func familyNumber(_ family: NFTFamily) -> UInt8 {
        switch family {
        case .inet: return 1
        case .ip: return 2
        case .arp: return 3
        case .netdev: return 5
        case .bridge: return 7
        case .ip6: return 10
        }
    }

    /// The table's chains and the rules of the chains `ruleScope` picks once it has seen the
    /// chains (handle and comment of each rule), or nil when the table does not exist.
    func snapshot(
        _ table: NFTTable, ruleScope: (NFTTableListing) -> NFTRuleScope = { _ in .all }
    ) throws(NFTablesError) -> NFTTableListing? {
        for _ in 0..<5 {
            guard let outcome = try attempt(table, ruleScope: ruleScope) else { continue }  // interrupted: retry
            return outcome.exists ? outcome.listing : nil
        }
        throw NFTablesError(
            kind: .commandFailed, operation: "dump table \(table)",
            reason: "the ruleset kept changing during the dump (NLM_F_DUMP_INTR five times)")
    }

    private func attempt(
        _ table: NFTTable, ruleScope: (NFTTableListing) -> NFTRuleScope
    ) throws(NFTablesError) -> (exists: Bool, listing: NFTTableListing)? {
        let family = Self.familyNumber(table.family)
        let name = Array(table.name.utf8)
        var exists = false
        let tablesComplete = try dump(Self.msgGetTable, family: family, attributes: []) { bytes, payload in
            let attributes = Self.attributes(bytes, payload)
            if let range = attributes[Self.tableName], Self.equals(bytes, range, name) { exists = true }
        }
        var listing = NFTTableListing(table: table)
        guard tablesComplete else { return nil }
        guard exists else { return (false, listing) }
        let chainsComplete = try dump(Self.msgGetChain, family: family, attributes: []) { bytes, payload in
            let attributes = Self.attributes(bytes, payload)
            guard let tableRange = attributes[Self.chainTable], Self.equals(bytes, tableRange, name),
                let nameRange = attributes[Self.chainName]
            else { return }
            listing.appendChain(name: Self.string(bytes, nameRange), hook: attributes[Self.chainHook] != nil ? "hook" : nil)
        }
        guard chainsComplete else { return nil }
        let scope = ruleScope(listing)
        listing.rulesRead = scope
        var filters: [[[UInt8]]] = []
        switch scope {
        case .all:
            filters = [[Self.attribute(Self.ruleTable, Self.nulTerminated(table.name))]]
        case .chains(let chains):
            // The kernel filters rule dumps by table and chain; only existing chains are asked.
            for chain in chains.sorted() where listing.chain(named: chain) != nil {
                filters.append([
                    Self.attribute(Self.ruleTable, Self.nulTerminated(table.name)),
                    Self.attribute(Self.ruleChain, Self.nulTerminated(chain)),
                ])
            }
        }
        for filter in filters {
            let rulesComplete = try dump(Self.msgGetRule, family: family, attributes: filter) { bytes, payload in
                // The hot loop (one message per rule): no dictionary, no copies.
                var tableRange: Range<Int>?, chainRange: Range<Int>?, handleRange: Range<Int>?, userdata: Range<Int>?
                Self.forEachAttribute(bytes, payload) { type, range in
                    switch type {
                    case Self.ruleTable: tableRange = range
                    case Self.ruleChain: chainRange = range
                    case Self.ruleHandle: handleRange = range
                    case Self.ruleUserdata: userdata = range
                    default: break
                    }
                }
                guard let tableRange, Self.equals(bytes, tableRange, name), let chainRange,
                    let handleRange, handleRange.count == 8
                else { return }
                var handle = 0
                for index in handleRange { handle = handle << 8 | Int(bytes[index]) }  // big-endian u64
                let comment = userdata.flatMap { Self.comment(bytes, $0) }
                listing.appendRule(chain: Self.string(bytes, chainRange), handle: handle, comment: comment)
            }
            guard rulesComplete else { return nil }
        }
        return (true, listing)
    }

    /// One dump; `body` sees each message's bytes and the range of its attributes (after
    /// nlmsghdr and nfgenmsg). Returns false when the kernel flagged the dump as interrupted
    /// by a concurrent change.
    func dump(
        _ type: UInt16, family: UInt8, attributes: [[UInt8]], _ body: ([UInt8], Range<Int>) -> Void
    ) throws(NFTablesError) -> Bool {
        let sequence = socket.nextSequence()
        var request: [UInt8] = [family, 0, 0, 0]  // nfgenmsg: family, version 0, res_id 0
        for attribute in attributes { request += attribute }
        var message = [UInt8]()
        message.reserveCapacity(16 + request.count)
        Self.appendU32(&message, UInt32(16 + request.count))
        Self.appendU16(&message, Self.subsystemNFTables << 8 | type)
        Self.appendU16(&message, Self.flagRequest | Self.flagDump)
        Self.appendU32(&message, sequence)
        Self.appendU32(&message, 0)
        message += request
        try socket.send(message)

        var interrupted = false
        while true {
            let datagram = try socket.receive()
            var offset = 0
            while offset + 16 <= datagram.count {
                let length = Int(Self.u32(datagram, offset))
                let kind = Self.u16(datagram, offset + 4)
                let flags = Self.u16(datagram, offset + 6)
                let seq = Self.u32(datagram, offset + 8)
                guard length >= 16, offset + length <= datagram.count else {
                    throw NFTablesError(kind: .unreadableOutput, operation: "nf_tables dump", reason: "truncated netlink message")
                }
                let start = offset
                offset += (length + 3) & ~3
                guard seq == sequence else { continue }
                if flags & Self.flagDumpInterrupted != 0 { interrupted = true }
                if kind == Self.nlmsgDone { return !interrupted }
                if kind == Self.nlmsgError {
                    let code = length >= 20 ? -Int32(bitPattern: Self.u32(datagram, start + 16)) : 0
                    if code == 0 { continue }
                    throw NetfilterSocket.failure("nf_tables dump (message type \(type))", code)
                }
                if length >= 20 { body(datagram, (start + 20)..<(start + length)) }
            }
        }
    }

    // MARK: Attribute encoding and decoding (host-endian headers, NLA_ALIGNTO 4)

    /// Calls `body` with the type and value range of each top-level attribute in `range`.
    static func forEachAttribute(_ bytes: [UInt8], _ range: Range<Int>, _ body: (UInt16, Range<Int>) -> Void) {
        var offset = range.lowerBound
        while offset + 4 <= range.upperBound {
            let length = Int(u16(bytes, offset))
            let type = u16(bytes, offset + 2) & 0x3FFF  // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
            guard length >= 4, offset + length <= range.upperBound else { break }
            body(type, (offset + 4)..<(offset + length))
            offset += (length + 3) & ~3
        }
    }

    /// The ranges of the top-level attributes in `range` (later duplicates win).
    static func attributes(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt16: Range<Int>] {
        var result: [UInt16: Range<Int>] = [:]
        forEachAttribute(bytes, range) { result[$0] = $1 }
        return result
    }

    /// Whether the NUL-terminated string attribute in `range` equals `expected`.
    static func equals(_ bytes: [UInt8], _ range: Range<Int>, _ expected: [UInt8]) -> Bool {
        var end = range.lowerBound
        while end < range.upperBound, bytes[end] != 0 { end += 1 }
        guard end - range.lowerBound == expected.count else { return false }
        var i = 0
        for index in range.lowerBound..<end {
            if bytes[index] != expected[i] { return false }
            i += 1
        }
        return true
    }

    static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        appendU16(&out, UInt16(4 + value.count))
        appendU16(&out, type)
        out += value
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    /// The comment in a rule's user data (libnftnl TLVs: type u8, length u8, value).
    static func comment(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        var offset = range.lowerBound
        while offset + 2 <= range.upperBound {
            let type = bytes[offset]
            let length = Int(bytes[offset + 1])
            guard offset + 2 + length <= range.upperBound else { return nil }
            if type == userdataComment { return string(bytes, (offset + 2)..<(offset + 2 + length)) }
            offset += 2 + length
        }
        return nil
    }

    static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range].prefix { $0 != 0 }, as: UTF8.self)
    }

    static func nulTerminated(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func appendU16(_ out: inout [UInt8], _ v: UInt16) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func appendU32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }
}
