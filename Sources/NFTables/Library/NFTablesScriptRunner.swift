import CNftables
import JSONSupport

/// Runs a script in nft's native syntax (what `nft -f` reads) as ONE batch, in the network
/// namespace of the calling thread.
///
/// Native syntax because libnftables parses it a good deal faster than JSON, which matters for transactions of tens
/// of thousands of rules (a full policy sync). libnftables tries JSON first and, on a
/// parse error, reads the buffer as native syntax; the output stays JSON.
public final class NFTablesScriptRunner {
    private let raw: RawNFTContext

    public init() throws(NFTablesError) {
        raw = try RawNFTContext(library: try LibNFTables.shared())
    }

    deinit { raw.free() }

    /// Runs list commands in native syntax in ONE libnftables run (one cache fill, so set
    /// elements are fetched once however many commands there are) and returns the JSON
    /// document each command printed. `numericProtocols`: protocols as numbers (names cost
    /// one read of /etc/protocols per element).
    public func list(_ script: String, operation: String, numericProtocols: Bool = false) throws(NFTablesError) -> [JSONValue] {
        if numericProtocols {
            raw.library.setOutputFlags(raw.pointer, LibNFTables.jsonOutputFlags | UInt32(NFT_CTX_OUTPUT_NUMERIC_PROTO))
        }
        let (status, output, error) = raw.run(script)
        guard status == 0 else {
            var reason = error.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.joined(separator: "; ")
            if reason.isEmpty { reason = "libnftables reported a failure without a message" }
            throw NFTablesError(kind: .commandFailed, operation: operation, reason: reason, command: script)
        }
        var documents: [JSONValue] = []
        for text in Self.topLevelDocuments(output) {
            do {
                documents.append(try JSONParser.parse(text))
            } catch {
                throw NFTablesError(kind: .unreadableOutput, operation: operation, reason: error.description, command: script)
            }
        }
        return documents
    }

    /// Splits concatenated JSON objects (`{...}\n{...}`) at their top-level braces.
    public static func topLevelDocuments(_ text: String) -> [String] {
        var out: [String] = []
        var depth = 0, inString = false, escaped = false
        var start: String.UTF8View.Index? = nil
        let utf8 = text.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") {
                if depth == 0 { start = index }
                depth += 1
            } else if byte == UInt8(ascii: "}"), depth > 0 {
                depth -= 1
                if depth == 0, let begin = start {
                    out.append(String(text[begin...index]))
                }
            }
            index = utf8.index(after: index)
        }
        return out
    }

    public func run(_ script: String, operation: String) throws(NFTablesError) {
        let (status, _, error) = raw.run(script)
        guard status == 0 else {
            var reason = error.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.joined(separator: "; ")
            if reason.isEmpty { reason = "libnftables reported a failure without a message" }
            throw NFTablesError(kind: .commandFailed, operation: operation, reason: reason, command: String(script.prefix(2000)))
        }
    }
}
