import NFTables
import NetworkPolicy
import JSONSupport

/// What the policy table holds, reduced to what an incremental update compares: chain
/// names and, per set or map, its elements by canonical text (the same text `render` uses).
public struct PolicyTableState: Sendable, Equatable {
    public var hasBaseChain: Bool
    public var chains: Set<String>
    /// Set name -> canonical element text -> element key.
    public var sets: [String: [String: NFTExpression]]

    public init(hasBaseChain: Bool, chains: Set<String>, sets: [String: [String: NFTExpression]]) {
        self.hasBaseChain = hasBaseChain
        self.chains = chains
        self.sets = sets
    }

    /// The state after `program` was applied.
    public init(program: PolicyProgram, layout: PolicyTableLayout) {
        let rendered = program.render(layout)
        hasBaseChain = true
        chains = Set(rendered.chains.keys).union(["forward"])
        sets = rendered.sets.mapValues { $0.elements.mapValues(\.key) }
        sets[PolicySync(layout: layout).layoutMarker.name] = [:]
    }

    /// The state read back from a listing of the table.
    public init(listing: NFTTableListing) { self.init(listings: [listing]) }

    /// The state read back from several listings of the table (chains, sets, maps).
    public init(listings: [NFTTableListing]) {
        hasBaseChain = listings.contains { $0.chain(named: "forward")?.hook == "forward" }
        chains = Set(listings.flatMap { $0.chains.map(\.name) })
        var sets: [String: [String: NFTExpression]] = [:]
        for set in listings.flatMap(\.sets) {
            var elements: [String: NFTExpression] = [:]
            for element in set.elements {
                if let (text, key) = Self.canonical(element, isMap: set.isMap) { elements[text] = key }
            }
            sets[set.name] = elements
        }
        self.sets = sets
    }

    static let protocolNumbers = [6: "tcp", 17: "udp", 132: "sctp"]

    /// `"10.0.0.1"`, `{"concat":["10.0.0.1","tcp",80]}`, `["10.0.0.1",{"goto":{"target":"x"}}]`.
    static func canonical(_ element: JSONValue, isMap: Bool) -> (String, NFTExpression)? {
        var element = element
        // `{"elem":{"val":...}}` wraps elements that carry counters or comments.
        if let inner = element.objectValue?["elem"]?.objectValue?["val"] { element = inner }
        if isMap {
            guard case .array(let pair) = element, pair.count == 2, let ipText = pair[0].stringValue, let ip = IPAddress(ipText),
                let verdict = pair[1].objectValue, let (kind, body) = verdict.members.first.map({ ($0.key, $0.value) }),
                let target = body.objectValue?["target"]?.stringValue
            else { return nil }
            return ("\(ip) : \(kind) \(target)", .string(ip.description))
        }
        if let text = element.stringValue, let ip = IPAddress(text) { return (ip.description, .string(ip.description)) }
        if case .array(let parts)? = element.objectValue?["concat"], parts.count == 3, let ipText = parts[0].stringValue,
            let ip = IPAddress(ipText), let port = parts[2].intValue
        {
            let proto = parts[1].stringValue ?? parts[1].intValue.flatMap { protocolNumbers[$0] } ?? "?"
            return ("\(ip) . \(proto) . \(port)", .concat([.string(ip.description), .string(proto), .number(port)]))
        }
        return nil
    }
}
