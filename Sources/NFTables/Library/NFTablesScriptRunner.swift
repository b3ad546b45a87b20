/// Runs a script in nft's native syntax (what `nft -f` reads) as ONE batch, in the network
/// namespace of the calling thread.
///
/// Added by the netpol branch (a new file, the rest of the target unchanged): libnftables
/// parses native syntax a good deal faster than JSON, which matters for transactions of tens
/// of thousands of rules (a full policy sync). libnftables tries JSON first and, on a
/// parse error, reads the buffer as native syntax; the output stays JSON.
public final class NFTablesScriptRunner {
    private let raw: RawNFTContext

    public init() throws(NFTablesError) {
        raw = try RawNFTContext(library: try LibNFTables.shared())
    }

    deinit { raw.free() }

    public func run(_ script: String, operation: String) throws(NFTablesError) {
        let (status, _, error) = raw.run(script)
        guard status == 0 else {
            var reason = error.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.joined(separator: "; ")
            if reason.isEmpty { reason = "libnftables reported a failure without a message" }
            throw NFTablesError(kind: .commandFailed, operation: operation, reason: reason, command: String(script.prefix(2000)))
        }
    }
}
