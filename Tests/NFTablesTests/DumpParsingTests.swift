import Testing

@testable import NFTables

/// The byte-level helpers of the netlink dump reader.
@Suite("nftables netlink dump parsing")
struct DumpParsingTests {
    @Test func attributesArePaddedAndReadBack() {
        let table = NFTDump.attribute(NFTDump.ruleTable, NFTDump.nulTerminated("swcni_b"))
        #expect(table == [12, 0, 1, 0] + Array("swcni_b".utf8) + [0])  // 4 + 8 bytes, aligned
        let chain = NFTDump.attribute(NFTDump.ruleChain, NFTDump.nulTerminated("fw"))
        #expect(chain == [7, 0, 2, 0, 0x66, 0x77, 0, 0])  // length 7, padded to 8
        let handle: [UInt8] = [12, 0, 3, 0x40, 0, 0, 0, 0, 0, 0, 1, 2]  // type 3 with NLA_F_NET_BYTEORDER (0x4000)
        let bytes = table + chain + handle
        let attributes = NFTDump.attributes(bytes, 0..<bytes.count)
        #expect(attributes.keys.sorted() == [1, 2, 3])
        #expect(NFTDump.string(bytes, attributes[1]!) == "swcni_b")
        #expect(NFTDump.equals(bytes, attributes[2]!, Array("fw".utf8)))
        #expect(!NFTDump.equals(bytes, attributes[2]!, Array("f".utf8)))
        #expect(!NFTDump.equals(bytes, attributes[2]!, Array("fwd".utf8)))
        #expect(bytes[attributes[3]!].reduce(0) { $0 << 8 | Int($1) } == 0x0102)
    }

    @Test func truncatedAttributesStopTheScan() {
        let bytes: [UInt8] = [8, 0, 1, 0, 0x61, 0x62, 0x63, 0, 40, 0, 2, 0, 1]
        #expect(NFTDump.attributes(bytes, 0..<bytes.count).keys.sorted() == [1])
    }

    @Test func commentComesFromTheUserdataTLVs() {
        // libnftnl user data: type 1 (another TLV) then type 0, the NUL-terminated comment.
        let userdata: [UInt8] = [1, 2, 9, 9, 0, 4] + Array("abc".utf8) + [0]
        #expect(NFTDump.comment(userdata, 0..<userdata.count) == "abc")
        let noComment: [UInt8] = [1, 1, 5]
        #expect(NFTDump.comment(noComment, 0..<noComment.count) == nil)
        let truncated: [UInt8] = [0, 9, 0x61]
        #expect(NFTDump.comment(truncated, 0..<truncated.count) == nil)
    }

    @Test func familiesUseTheKernelsNumbers() {
        #expect(NFTDump.familyNumber(.inet) == 1)
        #expect(NFTDump.familyNumber(.ip) == 2)
        #expect(NFTDump.familyNumber(.bridge) == 7)
        #expect(NFTDump.familyNumber(.ip6) == 10)
    }
}
