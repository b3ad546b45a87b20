import CNISpec
import Testing

@testable import NFTables

@Suite("nftables rule tags")
struct RuleTagTests {
    static let attachment = NFTAttachment(
        network: "mynet", containerID: String(repeating: "ab", count: 32), ifname: "eth0")

    @Test func commentRoundTripsAndNamesTheAttachment() {
        let tag = RuleTag.attachment(Self.attachment, digest: "0123abcd")
        let comment = tag.comment(readable: "mynet/abababababab/eth0")
        #expect(comment == "swcni a=\(Self.attachment.key) n=\(Self.attachment.networkKey) h=0123abcd mynet/abababababab/eth0")
        #expect(RuleTag(comment: comment) == tag)
        let network = RuleTag.network("mynet", digest: "ffffffff")
        #expect(network.comment(readable: "mynet") == "swcni n=\(Self.attachment.networkKey) h=ffffffff mynet")
        #expect(RuleTag(comment: network.comment(readable: "mynet")) == network)
    }

    @Test func keysAreStableAndDistinct() {
        #expect(Self.attachment.key.count == 16)
        #expect(Self.attachment.key == NFTAttachment(network: "mynet", containerID: String(repeating: "ab", count: 32), ifname: "eth0").key)
        #expect(Self.attachment.key != NFTAttachment(network: "mynet", containerID: String(repeating: "ab", count: 32), ifname: "eth1").key)
        // The separator keeps ("ab","c") and ("a","bc") apart.
        #expect(NFTAttachment(network: "n", containerID: "ab", ifname: "c").key != NFTAttachment(network: "n", containerID: "a", ifname: "bc").key)
        // FNV-1a 64 of "a" is af63dc4c8601ec8c.
        #expect(NFTAttachment.networkKey("a") == "af63dc4c8601ec8c")
    }

    @Test func gcAttachmentsMapToTheSameKeys() {
        let fromGC = NFTAttachment(network: "mynet", CNIAttachment(containerID: Self.attachment.containerID, ifname: "eth0"))
        #expect(fromGC == Self.attachment)
        #expect(fromGC.key == Self.attachment.key)
    }

    @Test func longReadablePartIsTruncatedToFitLibnftables() {
        let tag = RuleTag.attachment(Self.attachment, digest: "0123abcd")
        let comment = tag.comment(readable: String(repeating: "é", count: 200))
        #expect(comment.utf8.count <= NFTRule.maxCommentBytes - 1)
        #expect(RuleTag(comment: comment) == tag)
    }

    @Test(arguments: ["", "swcni", "foreign rule", "swcni n=short h=0123abcd", "swcni a=x n=0123456789abcdef h=0123abcd", "cni n=0123456789abcdef h=0123abcd"])
    func foreignCommentsAreNotOurs(_ comment: String) {
        #expect(RuleTag(comment: comment) == nil)
    }

    @Test func digestFollowsTheRuleContent() {
        #expect(RuleTag.digest(of: [.iifname("br0"), .accept]) == RuleTag.digest(of: [.iifname("br0"), .accept]))
        #expect(RuleTag.digest(of: [.iifname("br0"), .accept]) != RuleTag.digest(of: [.iifname("br1"), .accept]))
        #expect(RuleTag.digest(of: [.accept]).count == 8)
    }
}
