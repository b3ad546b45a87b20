import NetworkPolicy
import PolicyDataplane
import Testing

@Suite("nflog messages")
struct NFLogRecordTests {
    @Test func bindRequests() {
        let requests = NFLogRecord.bindRequests(group: 7, copyRange: 128)
        #expect(requests[0] == [28, 0, 0, 0, 0x01, 0x04, 0x05, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 7, 5, 0, 1, 0, 1, 0, 0, 0])
        #expect(requests[1] == [32, 0, 0, 0, 0x01, 0x04, 0x05, 0x00, 2, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 7, 10, 0, 2, 0, 0, 0, 0, 128, 2, 0, 0, 0])
    }

    static func packetMessage(prefix: String, payload: [UInt8]) -> [UInt8] {
        func attr(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
            var out = [UInt8(4 + value.count), 0, UInt8(type), 0] + value
            while out.count % 4 != 0 { out.append(0) }
            return out
        }
        let body: [UInt8] = [2, 0, 0, 7] + attr(1, [0x08, 0x00, 2, 0]) + attr(10, Array(prefix.utf8) + [0]) + attr(9, payload)
        let length = 16 + body.count
        return [UInt8(length & 0xff), UInt8(length >> 8), 0, 0, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + body
    }

    @Test func parsesDroppedTCPPacket() {
        // IPv4 header (20 bytes, proto 6) from 10.244.2.10 to 10.244.1.10, then TCP ports 43122 -> 80.
        let ipv4: [UInt8] = [0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 244, 2, 10, 10, 244, 1, 10, 0xa8, 0x72, 0, 80, 0, 0, 0, 0]
        let datagram = Self.packetMessage(prefix: "swcni-np DROP ingress x/allow-b ", payload: ipv4)
            + Self.packetMessage(prefix: "other", payload: [0x60] + [UInt8](repeating: 0, count: 5) + [17, 64]
                                 + [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [1] + [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [2] + [0, 53, 0, 53])
        let parsed = NFLogRecord.parse(datagram)
        #expect(parsed.errors.isEmpty)
        #expect(parsed.records.map(\.description) == [
            "10.244.2.10:43122 -> 10.244.1.10:80 tcp: swcni-np DROP ingress x/allow-b",
            "[fd00::1]:53 -> [fd00::2]:53 udp: other",
        ])
    }

    @Test func negativeAcknowledgementCarriesErrno() {
        // NLMSG_ERROR with error -16 (EBUSY).
        let message: [UInt8] = [20, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff]
        #expect(NFLogRecord.parse(message).errors == [16])
        let ack: [UInt8] = [20, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(NFLogRecord.parse(ack).errors.isEmpty)
    }
}
