import CNISpec
import JSONSupport

/// Builds the capability arguments (`runtimeConfig` candidates) from operator input.
public enum CapabilityArgs {
    /// Parses `--cap-args` / `CAP_ARGS`: a JSON object of capability name → value.
    public static func parseJSON(_ text: String, source: String) throws(CNIError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw CNIError(.decodingFailure, "invalid JSON in \(source)", details: error.description)
        }
        guard case .object(let object) = value else {
            throw CNIError(.decodingFailure, "invalid \(source)", details: "expected a JSON object, got \(value.typeName)")
        }
        return object
    }

    /// Parses `HOST:CONTAINER[/PROTO]` or `HOSTIP:HOST:CONTAINER[/PROTO]` (IPv4 host IP, or an
    /// IPv6 one in brackets) into a `portMappings` entry
    /// `{"hostPort","containerPort","protocol"[,"hostIP"]}`; the protocol defaults to tcp.
    public static func parsePortMapping(_ text: String) throws(CNIError) -> JSONValue {
        func invalid(_ why: String) -> CNIError {
            CNIError(.invalidEnvironment, "invalid port mapping \"\(text)\"", details: why + "; expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp|sctp]")
        }
        var rest = Substring(text)
        var proto = "tcp"
        if let slash = rest.lastIndex(of: "/") {
            proto = rest[rest.index(after: slash)...].lowercased()
            rest = rest[..<slash]
            guard ["tcp", "udp", "sctp"].contains(proto) else { throw invalid("unknown protocol \"\(proto)\"") }
        }
        var hostIP: String?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unterminated [") }
            hostIP = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("expected ':' after ]") }
            rest = rest.dropFirst()
        }
        var parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3 && hostIP == nil {
            hostIP = parts.removeFirst()
        }
        guard parts.count == 2 else { throw invalid("wrong number of ':' separated fields") }
        guard let host = Int(parts[0]), (1...65535).contains(host) else { throw invalid("host port \"\(parts[0])\" is not 1-65535") }
        guard let container = Int(parts[1]), (1...65535).contains(container) else {
            throw invalid("container port \"\(parts[1])\" is not 1-65535")
        }
        var o = JSONObject()
        o["hostPort"] = .int(host)
        o["containerPort"] = .int(container)
        o["protocol"] = .string(proto)
        if let hostIP, !hostIP.isEmpty { o["hostIP"] = .string(hostIP) }
        return .object(o)
    }

    /// Merges: the JSON object first, then the dedicated options, which replace its keys.
    public static func build(json: JSONObject?, ips: [String], mac: String?, portMappings: [String]) throws(CNIError) -> JSONObject {
        var result = json ?? JSONObject()
        if !ips.isEmpty { result["ips"] = .array(ips.map { .string($0) }) }
        if let mac { result["mac"] = .string(mac) }
        if !portMappings.isEmpty {
            var entries: [JSONValue] = []
            for text in portMappings { entries.append(try parsePortMapping(text)) }
            result["portMappings"] = .array(entries)
        }
        return result
    }
}
