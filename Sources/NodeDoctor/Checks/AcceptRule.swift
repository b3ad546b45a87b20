import Netlink
import Overlay
import JSONSupport

/// What one rule of a foreign forward chain accepts, read from its expressions as
/// libnftables prints them: an `accept` verdict after nothing but counters accepts
/// everything; after exactly one `ip|ip6 saddr|daddr == ADDRESS|PREFIX` match, that prefix as
/// source or destination.
/// Anything else (interfaces, conntrack state, jumps, several matches) is not taken as
/// opening the chain for pods: the check then still reports, and the counters tell.
public enum AcceptRule {
    public enum Accepts: Sendable, Equatable {
        case nothing
        case everything
        case source(InetPrefix)
        case destination(InetPrefix)
    }

    public static func read(_ expressions: JSONValue) -> Accepts {
        guard let items = expressions.arrayValue, let last = items.last?.objectValue, last.members.count == 1,
            last["accept"] != nil
        else { return .nothing }
        var matched: Accepts?
        for item in items.dropLast() {
            guard let object = item.objectValue, let (kind, body) = object.members.first.map({ ($0.key, $0.value) }),
                object.members.count == 1
            else { return .nothing }
            switch kind {
            case "counter":
                continue
            case "match":
                guard matched == nil, let prefix = addressMatch(body) else { return .nothing }
                matched = prefix
            default:
                return .nothing
            }
        }
        return matched ?? .everything
    }

    static func addressMatch(_ body: JSONValue) -> Accepts? {
        guard let prefix = matchedPrefix(body), let field = body.objectValue?["left"]?.objectValue?["payload"]?.objectValue?["field"]?.stringValue
        else { return nil }
        return field == "saddr" ? .source(prefix) : .destination(prefix)
    }

    static func matchedPrefix(_ body: JSONValue) -> InetPrefix? {
        guard let match = body.objectValue, match["op"]?.stringValue == "==",
            let payload = match["left"]?.objectValue?["payload"]?.objectValue,
            let proto = payload["protocol"]?.stringValue, proto == "ip" || proto == "ip6",
            let field = payload["field"]?.stringValue, field == "saddr" || field == "daddr",
            let right = match["right"]
        else { return nil }
        if let text = right.stringValue, let address = InetAddress(text) {
            return InetPrefix(address, length: address.maxPrefixLength)
        }
        if let prefix = right.objectValue?["prefix"]?.objectValue, let text = prefix["addr"]?.stringValue,
            let address = InetAddress(text), let length = prefix["len"]?.intValue, length >= 0, length <= Int(address.maxPrefixLength)
        {
            return InetPrefix(address, length: UInt8(length))
        }
        return nil
    }
}
