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
