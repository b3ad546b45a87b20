import Foundation
import NetNS
import Testing

@testable import Netlink

/// A real kernel dump made inconsistent in mid-flight: the kernel flags it
/// `NLM_F_DUMP_INTR`, and `links()` dumps again and returns the consistent second pass.
@Suite("netlink dump interrupted by the kernel", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkDumpInterruptTests {
    @Test func aLinkDumpRacingWithALinkCreationIsRetried() throws {
        try TestNamespace.with { ns in
            let namespace = NetworkNamespace(path: ns.path)
            let nl = try NetlinkSocket.open(in: namespace)
            let other = try NetlinkSocket.open(in: namespace)
            // Enough links that one dump needs several datagrams (each link message is ~1.5 KB).
            for i in 0..<40 { try nl.createVethPair(VethPair(name: "a\(i)", peerName: "b\(i)")) }

            var attempts = 0
            var datagramsInFirstAttempt = 0
            var created = false
            nl.afterDatagram = { position in
                if position == 0 { attempts += 1 }
                if attempts == 1 { datagramsInFirstAttempt += 1 }
                // Between the first and second datagram of the first pass, add a link: the
                // namespace's device sequence moves and the rest of this pass is flagged.
                if attempts == 1, position == 0, !created {
                    created = true
                    try? other.createVethPair(VethPair(name: "late0", peerName: "late1"))
                }
            }
            let links = try nl.links()
            nl.afterDatagram = nil

            #expect(datagramsInFirstAttempt > 1, "the dump must span several datagrams for the race to exist")
            #expect(created)
            #expect(attempts == 2, "one interrupted pass, then one consistent pass")
            let names = Set(links.map(\.name))
            #expect(names.isSuperset(of: ["late0", "late1", "a0", "b39"]))
            #expect(links.count == names.count, "no link reported twice")
        }
    }
}
