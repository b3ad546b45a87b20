import Foundation
import NetNS
import Testing

/// `NetworkNamespace.run` enters the namespace on its own thread and leaves the caller's alone.
@Suite("network namespace runner", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetworkNamespaceTests {
    static func inode(_ path: String) throws -> UInt64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return UInt64(st.st_ino)
    }

    @Test func bodyRunsInsideTheNamespaceAndTheCallerStaysOutside() throws {
        try TestNamespace.with { ns in
            let before = try Self.inode("/proc/thread-self/ns/net")
            let inside = try NetworkNamespace(path: ns.path).run { try Self.inode("/proc/thread-self/ns/net") }
            #expect(inside == (try Self.inode(ns.path)))
            #expect(inside != before)
            #expect(try Self.inode("/proc/thread-self/ns/net") == before)
        }
    }

    @Test func errorsOfTheBodyAreRethrown() throws {
        struct Marker: Error {}
        _ = try TestNamespace.with { ns in
            #expect(throws: Marker.self) { try NetworkNamespace(path: ns.path).run { throw Marker() } }
        }
    }

    @Test func aMissingNamespaceIsNotFound() throws {
        let path = "/run/netns/\(TestEnvironment.uniqueName("gone"))"
        do {
            try NetworkNamespace(path: path).run {}
            Issue.record("expected an error")
        } catch let error as NetNSError {
            #expect(error.kind == .notFound)
        }
    }

    @Test func aRegularFileIsNotANamespace() throws {
        let dir = try TestEnvironment.makeTempDir("ns")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "\(dir)/plain"
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: NetNSError(kind: .notANamespace, operation: "fstatfs", path: file, errno: 0)) {
            try NetworkNamespace(path: file).validate()
        }
    }
}
