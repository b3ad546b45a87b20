import JSONSupport

/// One libnftables context speaking JSON, bound to the network namespace it was created in.
///
/// Create it inside `NetworkNamespace.run { ... }` (or in the namespace whose tables you
/// mean to change) and use it from that thread only: libnftables' netlink socket belongs to
/// the namespace of the thread that opens it. Loading libnftables happens on the first
/// context of the process.
public final class NFTablesContext {
    private let raw: RawNFTContext

    public init() throws(NFTablesError) {
        raw = try RawNFTContext(library: try LibNFTables.shared())
    }

    deinit { raw.free() }

    /// Runs a JSON document (`{"nftables":[...]}`) as ONE batch: libnftables sends every
    /// command in a single netlink transaction, so either all of them apply or none does.
    /// Returns the parsed output (listings), or `nil` when there is none.
    @discardableResult
    public func run(_ document: JSONValue, operation: String) throws(NFTablesError) -> JSONValue? {
        let text = document.serialized()
        let (status, output, error) = raw.run(text)
        if status != 0 {
            throw NFTablesError(
                kind: .commandFailed, operation: operation,
                reason: Self.errorText(error, document: document), command: text)
        }
        let trimmed = output.trimmingWhitespace()
        if trimmed.isEmpty { return nil }
        do {
            return try JSONParser.parse(trimmed)
        } catch {
            throw NFTablesError(
                kind: .unreadableOutput, operation: operation, reason: error.description, command: text)
        }
    }

    /// Runs a list of commands (each `{"add": {...}}`-style) as one batch.
    @discardableResult
    public func run(commands: [JSONValue], operation: String) throws(NFTablesError) -> JSONValue? {
        try run(.object(JSONObject([("nftables", .array(commands))])), operation: operation)
    }

    /// Lists one table (`list table <family> <name>`); `nil` when it does not exist.
    public func listTable(_ table: NFTTable) throws(NFTablesError) -> NFTTableListing? {
        let command = JSONValue.object(JSONObject([("list", .object(JSONObject([("table", table.reference)])))]))
        let output: JSONValue?
        do {
            output = try run(commands: [command], operation: "list table \(table)")
        } catch where error.isNotFound {
            return nil
        }
        guard let output else {
            throw NFTablesError(kind: .unreadableOutput, operation: "list table \(table)", reason: "no output")
        }
        return try NFTTableListing(parsing: output, table: table)
    }

    /// libnftables' error text without the meaningless JSON location prefix
    /// (`internal:0:0-0: `), one message per line; when it names the index of the command
    /// that could not be parsed, that command is quoted.
    static func errorText(_ raw: String, document: JSONValue) -> String {
        var lines: [String] = []
        for line in raw.split(separator: "\n") {
            var text = Substring(line)
            if text.hasPrefix("internal:"), let colon = text.firstRange(of: ": ") {
                text = text[colon.upperBound...]
            }
            let trimmed = String(text).trimmingWhitespace()
            if !trimmed.isEmpty { lines.append(trimmed) }
        }
        var message = lines.isEmpty ? "libnftables reported a failure without a message" : lines.joined(separator: "; ")
        let marker = "Parsing command array at index "
        if let range = message.firstRange(of: marker) {
            let digits = message[range.upperBound...].prefix { $0.isNumber }
            if let index = Int(digits), case .array(let commands)? = document.objectValue?["nftables"],
                index < commands.count
            {
                message += "; failing command: \(commands[index].serialized())"
            }
        }
        return message
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
