import Testing

@testable import BridgePlugin

@Suite("Host veth names and attachment tags")
struct NamingTests {
    @Test func hostVethNames() {
        #expect(HostVethName.make(0) == "veth00000000")
        #expect(HostVethName.make(0xDEAD_BEEF) == "vethdeadbeef")
        for _ in 0..<50 {
            let name = HostVethName.random()
            #expect(name.utf8.count == 12)
            #expect(HostVethName.isHostVethName(name))
            #expect(InterfaceNameRule.problem(name) == nil)
        }
        #expect(!HostVethName.isHostVethName("eth0"))
        #expect(!HostVethName.isHostVethName("vethDEADBEEF"))
    }

    @Test func tagsIdentifyAttachments() {
        let a = AttachmentTag(network: "net1", containerID: "abc", ifName: "eth0")
        let b = AttachmentTag(network: "net1", containerID: "abc", ifName: "eth1")
        let c = AttachmentTag(network: "net2", containerID: "abc", ifName: "eth0")
        #expect(a.key != b.key && a.key != c.key)
        #expect(a.key.utf8.count == 33)
        #expect(a.key.hasPrefix(AttachmentTag.networkPrefix("net1")))
        #expect(b.key.hasPrefix(AttachmentTag.networkPrefix("net1")))
        #expect(!c.key.hasPrefix(AttachmentTag.networkPrefix("net1")))
        #expect(a.matches(a.description))
        #expect(!a.matches(b.description))
        #expect(AttachmentTag.key(ofComment: a.description) == a.key)
        #expect(AttachmentTag.key(ofComment: "something else entirely, long enough to be checked") == nil)
        // The container ID and ifname are not confusable through concatenation.
        #expect(
            AttachmentTag(network: "n", containerID: "ab", ifName: "c").key
                != AttachmentTag(network: "n", containerID: "a", ifName: "bc").key)
    }

    @Test func longTagsAreCutToNFTablesCommentLimit() {
        let id = String(repeating: "f", count: 64)
        let tag = AttachmentTag(network: String(repeating: "n", count: 80), containerID: id, ifName: "eth0")
        #expect(tag.description.utf8.count == 127)
        #expect(tag.matches(tag.description))
    }
}
