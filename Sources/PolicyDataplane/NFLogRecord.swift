import NetworkPolicy

/// One packet logged to nflog by a drop rule: the rule's prefix (naming the direction and
/// the isolating policies) and the packet's addresses, protocol and ports.
public struct NFLogRecord: Sendable, Equatable, CustomStringConvertible {
    public let prefix: String
    public let source: IPAddress
    public let destination: IPAddress
    /// IANA protocol number (6 TCP, 17 UDP, 132 SCTP, ...).
    public let protocolNumber: Int
    public let sourcePort: Int?
    public let destinationPort: Int?

    public var protocolName: String {
        switch protocolNumber {
        case 6: return "tcp"
        case 17: return "udp"
        case 132: return "sctp"
        case 1: return "icmp"
        case 58: return "icmpv6"
        default: return "proto \(protocolNumber)"
        }
    }

    public var description: String {
        func endpoint(_ ip: IPAddress, _ port: Int?) -> String {
            guard let port else { return ip.description }
            return ip.family == .ipv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
        return "\(endpoint(source, sourcePort)) -> \(endpoint(destination, destinationPort)) \(protocolName): \(prefix.trimmingTrailingSpaces)"
    }

    // MARK: Netlink messages (nfnetlink_log)

    static let subsystemULOG: UInt16 = 4
    static let messagePacket: UInt16 = 0
    static let messageConfig: UInt16 = 1
    static let attributePayload: UInt16 = 9
    static let attributePrefix: UInt16 = 10

    /// The two configuration requests that bind `group` and ask for the first `copyRange`
    /// bytes of each packet (NFULNL_CFG_CMD_BIND, then NFULNL_COPY_PACKET).
    public static func bindRequests(group: UInt16, copyRange: UInt32 = 128, sequence: UInt32 = 1) -> [[UInt8]] {
        let bind = attribute(1, [1])
        let mode = attribute(2, bigEndian32(copyRange) + [2, 0])
        return [message(group: group, sequence: sequence, attributes: bind), message(group: group, sequence: sequence + 1, attributes: mode)]
    }

    static func message(group: UInt16, sequence: UInt32, attributes: [UInt8]) -> [UInt8] {
        let type = subsystemULOG << 8 | messageConfig
        let flags: UInt16 = 0x1 | 0x4  // NLM_F_REQUEST | NLM_F_ACK
        let body: [UInt8] = [0 /* AF_UNSPEC */, 0 /* NFNETLINK_V0 */, UInt8(group >> 8), UInt8(group & 0xff)] + attributes
        return little32(UInt32(16 + body.count)) + little16(type) + little16(flags) + little32(sequence) + little32(0) + body
    }

    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out = little16(UInt16(4 + payload.count)) + little16(type) + payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    /// Parses one datagram from the nflog socket: packet records, and the errno of any
    /// negative acknowledgement (`NLMSG_ERROR` with a nonzero code).
    public static func parse(_ datagram: [UInt8]) -> (records: [NFLogRecord], errors: [Int32]) {
        var records: [NFLogRecord] = []
        var errors: [Int32] = []
        var offset = 0
        while offset + 16 <= datagram.count {
            let length = Int(readLittle32(datagram, offset))
            let type = readLittle16(datagram, offset + 4)
            guard length >= 16, offset + length <= datagram.count else { break }
            let body = Array(datagram[(offset + 16)..<(offset + length)])
            if type == 2, body.count >= 4 {  // NLMSG_ERROR: int error, then the request
                let code = Int32(bitPattern: readLittle32(body, 0))
                if code != 0 { errors.append(-code) }
            } else if type == subsystemULOG << 8 | messagePacket, body.count >= 4, let record = record(body) {
                records.append(record)
            }
            offset += (length + 3) & ~3
        }
        return (records, errors)
    }

    /// `nfgenmsg` then attributes.
    static func record(_ body: [UInt8]) -> NFLogRecord? {
        var prefix = "", payload: [UInt8] = []
        var offset = 4
        while offset + 4 <= body.count {
            let length = Int(readLittle16(body, offset)), type = readLittle16(body, offset + 2) & 0x3fff
            guard length >= 4, offset + length <= body.count else { break }
            let value = Array(body[(offset + 4)..<(offset + length)])
            if type == attributePrefix { prefix = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) }
            if type == attributePayload { payload = value }
            offset += (length + 3) & ~3
        }
        return packet(payload, prefix: prefix)
    }

    /// Addresses, protocol and ports from the start of an IPv4 or IPv6 packet.
    static func packet(_ bytes: [UInt8], prefix: String) -> NFLogRecord? {
        guard let first = bytes.first else { return nil }
        let proto: Int, source: IPAddress, destination: IPAddress, l4: Int
        switch first >> 4 {
        case 4:
            guard bytes.count >= 20, let s = IPAddress(bytes: Array(bytes[12..<16])), let d = IPAddress(bytes: Array(bytes[16..<20])) else { return nil }
            proto = Int(bytes[9]); source = s; destination = d; l4 = Int(first & 0x0f) * 4
        case 6:
            guard bytes.count >= 40, let s = IPAddress(bytes: Array(bytes[8..<24])), let d = IPAddress(bytes: Array(bytes[24..<40])) else { return nil }
            proto = Int(bytes[6]); source = s; destination = d; l4 = 40
        default:
            return nil
        }
        var ports: (Int, Int)? = nil
        if [6, 17, 132].contains(proto), bytes.count >= l4 + 4 {
            ports = (Int(bytes[l4]) << 8 | Int(bytes[l4 + 1]), Int(bytes[l4 + 2]) << 8 | Int(bytes[l4 + 3]))
        }
        return NFLogRecord(prefix: prefix, source: source, destination: destination, protocolNumber: proto,
                           sourcePort: ports?.0, destinationPort: ports?.1)
    }
}

private func little16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
private func little32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xff) } }
private func bigEndian32(_ v: UInt32) -> [UInt8] { little32(v).reversed() }
private func readLittle16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
private func readLittle32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
