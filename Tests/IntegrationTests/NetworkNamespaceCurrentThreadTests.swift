import Foundation
import NetNS
import Testing

/// `NetworkNamespace.runOnCurrentThread` enters the namespace on the calling thread and
/// always returns it to where it was.
@Suite("network namespace on the current thread", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetworkNamespaceCurrentThreadTests {
    static let inode = NetworkNamespaceTests.inode

    @Test func bodyRunsInsideAndTheThreadReturns() throws {
        try TestNamespace.with { ns in
            let before = try Self.inode("/proc/thread-self/ns/net")
            let inside = try NetworkNamespace(path: ns.path).runOnCurrentThread {
                try Self.inode("/proc/thread-self/ns/net")
            }
            #expect(inside == (try Self.inode(ns.path)))
            #expect(inside != before)
            #expect(try Self.inode("/proc/thread-self/ns/net") == before)
        }
    }

    @Test func theThreadReturnsWhenTheBodyThrows() throws {
        struct Marker: Error {}
        try TestNamespace.with { ns in
            let before = try Self.inode("/proc/thread-self/ns/net")
            #expect(throws: Marker.self) { try NetworkNamespace(path: ns.path).runOnCurrentThread { throw Marker() } }
            #expect(try Self.inode("/proc/thread-self/ns/net") == before)
        }
    }

    @Test func failuresToEnterLeaveTheThreadAlone() throws {
        let before = try Self.inode("/proc/thread-self/ns/net")
        let missing = "/run/netns/\(TestEnvironment.uniqueName("gone"))"
        #expect(throws: NetNSError.self) { try NetworkNamespace(path: missing).runOnCurrentThread {} }
        do {
            try NetworkNamespace(path: "/proc/self/ns/uts").runOnCurrentThread {}
            Issue.record("entering a UTS namespace file as a network namespace must fail")
        } catch let error as NetNSError {
            // Refused by its namespace type (NS_GET_NSTYPE) before any setns is tried.
            #expect(error.kind == .notANamespace && error.operation == "ioctl(NS_GET_NSTYPE)", "\(error)")
        }
        #expect(try Self.inode("/proc/thread-self/ns/net") == before)
    }
}
