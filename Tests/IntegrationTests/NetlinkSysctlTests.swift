import Foundation
import NetNS
import Netlink
import Testing

/// `Sysctl` writes the namespace of the thread it runs on: inside `NetworkNamespace.run`
/// it changes the container's value and leaves the host's alone.
@Suite("sysctl in a namespace", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkSysctlTests {
    @Test func setInsideTheNamespaceOnly() throws {
        try TestNamespace.with { ns in
            let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
            try nl.createVethPair(VethPair(name: "s0", peerName: "s1"))
            let key = "net/ipv6/conf/s0/accept_dad"
            let hostDefault = try Sysctl.get("net/ipv6/conf/default/accept_dad")

            let before = try NetworkNamespace(path: ns.path).run { try Sysctl.get(key) }
            let wanted = before == "0" ? "1" : "0"
            try NetworkNamespace(path: ns.path).run { try Sysctl.set(key, wanted) }

            #expect(try NetworkNamespace(path: ns.path).run { try Sysctl.get(key) } == wanted)
            let observed = try ns.run(["cat", "/proc/sys/\(key)"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(observed == wanted)
            // The host has no s0 (the key does not exist outside), and its defaults are untouched.
            #expect(throws: NetlinkError.self) { try Sysctl.get(key) }
            #expect(try Sysctl.get("net/ipv6/conf/default/accept_dad") == hostDefault)
        }
    }

    @Test func errorsNameThePathAndErrno() throws {
        do {
            try Sysctl.set("net/ipv4/conf/no-such-link-\(TestEnvironment.runID)/arp_notify", "1")
            Issue.record("expected an error")
        } catch let error as NetlinkError {
            #expect(error.errno == ENOENT)
            #expect(error.description.contains("/proc/sys/net/ipv4/conf/no-such-link-"))
            #expect(error.description.contains("ENOENT"))
        }
    }
}
