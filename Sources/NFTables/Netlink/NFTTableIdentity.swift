/// Which incarnation of a table exists now, read with one netlink table dump (no libnftables):
/// its handle (new each time the table is created) and its use count (chains, sets and other
/// objects it holds; element changes leave it alone). A cache of what a table holds can be
/// trusted only while both are what they were after the cache's last update.
public struct NFTTableIdentity: Sendable, Equatable {
    public let handle: UInt64
    public let use: UInt32

    public init(handle: UInt64, use: UInt32) {
        self.handle = handle
        self.use = use
    }

    static let tableUse: UInt16 = 3  // NFTA_TABLE_USE
    static let tableHandle: UInt16 = 4  // NFTA_TABLE_HANDLE

    /// The identity of `table` in the current network namespace, or nil when it does not exist.
    public static func read(_ table: NFTTable) throws(NFTablesError) -> NFTTableIdentity? {
        let dump = NFTDump(socket: try NetfilterSocket())
        let name = Array(table.name.utf8)
        for _ in 0..<5 {
            var found: NFTTableIdentity?
            let complete = try dump.dump(NFTDump.msgGetTable, family: NFTDump.familyNumber(table.family), attributes: []) { bytes, payload in
                let attributes = NFTDump.attributes(bytes, payload)
                guard let range = attributes[NFTDump.tableName], NFTDump.equals(bytes, range, name),
                    let handleRange = attributes[tableHandle], handleRange.count == 8,
                    let useRange = attributes[tableUse], useRange.count == 4
                else { return }
                var handle: UInt64 = 0
                for index in handleRange { handle = handle << 8 | UInt64(bytes[index]) }  // big-endian
                var use: UInt32 = 0
                for index in useRange { use = use << 8 | UInt32(bytes[index]) }
                found = NFTTableIdentity(handle: handle, use: use)
            }
            if complete { return found }
        }
        throw NFTablesError(kind: .commandFailed, operation: "dump tables", reason: "the ruleset kept changing during the dump (NLM_F_DUMP_INTR five times)")
    }
}
