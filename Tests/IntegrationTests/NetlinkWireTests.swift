import CMnl
import Foundation
import Testing

@testable import Netlink

/// The netlink wire format without a kernel: messages we build against iproute2's bytes,
/// the receive path (splitting, sequence matching, extended acks) and the dump retry.
@Suite("netlink wire format")
struct NetlinkWireTests {
    /// `bytes` with the sequence number and port id zeroed and the `NLA_F_NESTED` bit cleared
    /// at the given attribute-type offsets (iproute2 does not flag `IFLA_AF_SPEC` as nested).
    static func normalised(_ bytes: [UInt8], clearingNestedAt offsets: [Int] = []) -> [UInt8] {
        var copy = bytes
        for i in 8..<16 { copy[i] = 0 }
        for offset in offsets { copy[offset + 1] &= 0x7f }
        return copy
    }

    /// Captured with `strace -e trace=sendmsg -e write=3 bridge vlan add dev vx vid 100 pvid untagged`
    /// (iproute2 6.1, `vx` = ifindex 4).
    static let iproute2VLANAdd: [UInt8] = [
        0x2c, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00, 0x92, 0xd5, 0x03, 0x6b, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x0c, 0x00, 0x1a, 0x00, 0x08, 0x00, 0x02, 0x00, 0x06, 0x00, 0x64, 0x00,
    ]

    /// Captured with `strace ... bridge link set dev vx hairpin on isolated on learning off`.
    static let iproute2PortSet: [UInt8] = [
        0x3c, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00, 0xa4, 0xd5, 0x03, 0x6b, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x1c, 0x00, 0x0c, 0x80, 0x05, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00,
    ]

    static let requestAck = UInt16(nl: NLM_F_REQUEST | NLM_F_ACK)

    @Test func portVLANRequestMatchesIproute2() throws {
        let message = NetlinkSocket.vlanMessage(adding: true, index: 4, BridgeVLAN(id: 100, pvid: true, untagged: true), bridgeItself: false)
        message.flags |= Self.requestAck
        let ours = try #require(message.finish(sequence: 1))
        #expect(Self.normalised(ours, clearingNestedAt: [34]) == Self.normalised(Self.iproute2VLANAdd))
    }

    @Test func bridgePortRequestMatchesIproute2() throws {
        let message = NetlinkSocket.portMessage(index: 4, BridgePortSettings(hairpin: true, isolated: true, learning: false))
        message.flags |= Self.requestAck
        let ours = try #require(message.finish(sequence: 1))
        #expect(Self.normalised(ours) == Self.normalised(Self.iproute2PortSet))
    }

    static func datagram(_ messages: [NetlinkMessage], sequence: UInt32) -> [UInt8] {
        messages.flatMap { $0.finish(sequence: sequence)! }
    }

    static func linkMessage(flags: Int32, name: String) -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWLINK), flags: flags)
        message.append(raw: InterfaceInfoHeader(index: 7).bytes)
        message.put(UInt16(nl: IFLA_IFNAME), string: name)
        return message
    }

    static func done() -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: NLMSG_DONE), flags: NLM_F_MULTI)
        message.append(raw: ByteCoding.bytes(Int32(0)))
        return message
    }

    @Test func aDumpFlaggedInterruptedIsNoticed() {
        let bytes = Self.datagram(
            [Self.linkMessage(flags: NLM_F_MULTI, name: "a"), Self.linkMessage(flags: NLM_F_MULTI | NLM_F_DUMP_INTR, name: "b"), Self.done()],
            sequence: 9)
        let split = NetlinkSocket.split(datagram: bytes)
        #expect(split.count == 3)
        var collector = ReplyCollector(sequence: 9, portID: 0)
        collector.consume(split)
        #expect(collector.finished && collector.interrupted && collector.failure == nil)
        #expect(collector.replies.compactMap(Link.init).map(\.name) == ["a", "b"])
    }

    @Test func aConsistentDumpIsNotInterruptedAndStaleRepliesAreDropped() {
        var collector = ReplyCollector(sequence: 9, portID: 0)
        collector.consume(NetlinkSocket.split(datagram: Self.datagram([Self.linkMessage(flags: NLM_F_MULTI | NLM_F_DUMP_INTR, name: "old")], sequence: 8)))
        collector.consume(NetlinkSocket.split(datagram: Self.datagram([Self.linkMessage(flags: NLM_F_MULTI, name: "a")], sequence: 9)))
        #expect(!collector.finished)
        collector.consume(NetlinkSocket.split(datagram: Self.datagram([Self.done()], sequence: 9)))
        #expect(collector.finished && !collector.interrupted)
        #expect(collector.replies.compactMap(Link.init).map(\.name) == ["a"])
    }

    @Test func anErrorAckCarriesErrnoAndExtendedAckText() throws {
        // struct nlmsgerr { int error = -EINVAL; struct nlmsghdr msg (capped: header only) }, then TLVs.
        let error = NetlinkMessage(type: UInt16(nl: NLMSG_ERROR), flags: NLM_F_CAPPED | NLM_F_ACK_TLVS)
        error.append(raw: ByteCoding.bytes(Int32(-EINVAL)) + ByteCoding.bytes(UInt32(40)) + [UInt8](repeating: 0, count: 12))
        error.put(UInt16(nl: NLMSGERR_ATTR_MSG.rawValue), string: "mtu greater than device maximum")
        error.put(UInt16(nl: NLMSGERR_ATTR_OFFS.rawValue), u32: 32)
        var collector = ReplyCollector(sequence: 3, portID: 0)
        collector.consume(NetlinkSocket.split(datagram: Self.datagram([error], sequence: 3)))
        let failure = try #require(collector.failure)
        #expect(collector.finished)
        #expect(failure.errno == EINVAL)
        #expect(failure.kernelMessage == "mtu greater than device maximum")
        #expect(failure.badAttributeOffset == 32)
    }

    @Test func aPositiveAckFinishesWithoutFailure() {
        let ack = NetlinkMessage(type: UInt16(nl: NLMSG_ERROR), flags: NLM_F_CAPPED)
        ack.append(raw: ByteCoding.bytes(Int32(0)) + [UInt8](repeating: 0, count: 16))
        var collector = ReplyCollector(sequence: 3, portID: 0)
        collector.consume(NetlinkSocket.split(datagram: Self.datagram([ack], sequence: 3)))
        #expect(collector.finished && collector.failure == nil && collector.replies.isEmpty)
    }

    @Test func dumpRetryRepeatsUntilConsistent() throws {
        var passes = 0
        let replies = try DumpRetry.run(operation: "dump links") {
            passes += 1
            return DumpRetry.Pass(replies: [NetlinkReply(type: 16, flags: 0, sequence: UInt32(passes), payload: [])], interrupted: passes < 3)
        }
        #expect(passes == 3)
        #expect(replies.map(\.sequence) == [3])
    }

    @Test func dumpRetryGivesUpAfterFiveImmediateAndSixPausedPasses() {
        var passes = 0
        do {
            _ = try DumpRetry.run(operation: "dump links") {
                passes += 1
                return DumpRetry.Pass(replies: [], interrupted: true)
            }
            Issue.record("expected an error")
        } catch let error as NetlinkError {
            #expect(error.errno == EINTR)
            #expect(error.description.contains("dump links"))
            #expect(error.description.contains("interrupted"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(passes == DumpRetry.attempts + DumpRetry.backoffPasses && passes == 11)
    }

    @Test func addressesAndPrefixes() {
        #expect(InetPrefix("10.1.2.3/24")?.network.description == "10.1.2.0")
        #expect(InetPrefix("10.1.2.3/24")?.broadcast?.description == "10.1.2.255")
        #expect(InetPrefix("10.1.2.3/31")?.broadcast == nil)
        #expect(InetPrefix("fd00::1/64")?.network.description == "fd00::")
        #expect(InetPrefix("fd00::1/129") == nil)
        #expect(InetAddress("300.1.1.1") == nil)
        #expect(MACAddress("02:AB:00:00:00:0f")?.description == "02:ab:00:00:00:0f")
        #expect(MACAddress("02:ab:00:00:00") == nil)
    }
}

extension NetlinkWireTests {
    @Test func repliesAddressedToAnotherPortAreDropped() {
        var collector = ReplyCollector(sequence: 5, portID: 77)
        collector.consume([
            NetlinkReply(type: UInt16(nl: NLMSG_DONE), flags: 0, sequence: 5, portID: 78, payload: [0, 0, 0, 0]),
        ])
        #expect(!collector.finished)
        collector.consume([
            NetlinkReply(type: UInt16(nl: NLMSG_DONE), flags: 0, sequence: 5, portID: 77, payload: [0, 0, 0, 0]),
        ])
        #expect(collector.finished && collector.failure == nil)
    }
}
