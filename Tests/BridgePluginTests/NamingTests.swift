import AttachmentNaming
import Testing

@testable import BridgePlugin

@Suite("Host veth names")
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
}

@Suite("Attachment alias")
struct AttachmentAliasTests {
    @Test func readableAliasRoundTrips() throws {
        let alias = AttachmentAlias.make(network: "net1", containerID: "abc123", ifName: "eth0")
        #expect(alias == "swcni:net1/abc123/eth0")
        let parsed = try #require(AttachmentAlias.attachment(of: alias, network: "net1"))
        #expect(parsed.containerID == "abc123" && parsed.ifName == "eth0")
        #expect(AttachmentAlias.attachment(of: alias, network: "net") == nil, "network names match exactly")
        #expect(AttachmentAlias.attachment(of: "something else", network: "net1") == nil)
    }

    @Test func overlongAliasesAreHashedWithinTheKernelLimit() {
        let alias = AttachmentAlias.make(network: String(repeating: "n", count: 200), containerID: String(repeating: "f", count: 64), ifName: "eth0")
        #expect(alias.hasPrefix("swcni#") && alias.utf8.count <= 255)
        #expect(alias == AttachmentAlias.make(network: String(repeating: "n", count: 200), containerID: String(repeating: "f", count: 64), ifName: "eth0"))
        #expect(AttachmentAlias.attachment(of: alias, network: String(repeating: "n", count: 200)) == nil)
    }
}
