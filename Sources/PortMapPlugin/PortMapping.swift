import CNISpec
import NFTables

/// One entry of `runtimeConfig.portMappings`.
public struct PortMapping: Sendable, Equatable {
    public enum L4Protocol: String, Sendable, CaseIterable {
        case tcp, udp, sctp
    }

    public var hostPort: Int
    public var containerPort: Int
    public var l4: L4Protocol
    /// The host address the mapping is limited to; nil for every local address. An
    /// unspecified address (`0.0.0.0`, `::`) limits the mapping to its family only.
    public var hostIP: NFTPrefix?
    public var hostIPFamily: NFTPrefix.Family?

    public init(hostPort: Int, containerPort: Int, l4: L4Protocol, hostIP: NFTPrefix? = nil, hostIPFamily: NFTPrefix.Family? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.l4 = l4
        self.hostIP = hostIP
        self.hostIPFamily = hostIPFamily ?? hostIP?.family
    }

    /// Whether the mapping applies to a container address of `family`.
    func applies(to family: NFTPrefix.Family) -> Bool { hostIPFamily.map { $0 == family } ?? true }

    /// Parses one mapping object; `path` names it in errors (`runtimeConfig.portMappings[0]`).
    static func parse(_ reader: JSONFieldReader) throws(CNIError) -> PortMapping {
        func port(_ key: String) throws(CNIError) -> Int {
            guard let value = try reader.int(key) else {
                throw CNIError(.invalidNetworkConfig, "\(reader.fieldPath(key)) is missing", details: "a port mapping needs hostPort and containerPort")
            }
            guard (1...65535).contains(value) else {
                throw CNIError(
                    .invalidNetworkConfig, "invalid \(reader.fieldPath(key)): \(value)", details: "ports must be 1 to 65535")
            }
            return value
        }
        let hostPort = try port("hostPort")
        let containerPort = try port("containerPort")
        let protocolText = (try reader.string("protocol") ?? "tcp")
        guard let l4 = L4Protocol(rawValue: protocolText.lowercased()) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid \(reader.fieldPath("protocol")): \"\(protocolText)\"",
                details: "expected one of tcp, udp, sctp")
        }
        var hostIP: NFTPrefix?
        var family: NFTPrefix.Family?
        if let text = try reader.string("hostIP"), !text.isEmpty {
            let parsed: NFTPrefix
            do {
                parsed = try NFTPrefix(text)
            } catch {
                throw CNIError(.invalidNetworkConfig, "invalid \(reader.fieldPath("hostIP")): \"\(text)\"", details: "not an IP address")
            }
            guard parsed.isHost, !text.contains("/") else {
                throw CNIError(.invalidNetworkConfig, "invalid \(reader.fieldPath("hostIP")): \"\(text)\"", details: "expected an address, not a prefix")
            }
            family = parsed.family
            let unspecified = parsed.address == "0.0.0.0" || parsed.address == "::"
            hostIP = unspecified ? nil : parsed
        }
        return PortMapping(hostPort: hostPort, containerPort: containerPort, l4: l4, hostIP: hostIP, hostIPFamily: family)
    }
}
