import Foundation
import Testing

@testable import BridgePlugin

/// `IPAMDriver.choose`: in-process only for a `host-local` in the running binary's own
/// directory (symbolic links followed), and never with `SWIFT_CNI_EXEC_IPAM=1`.
@Suite("IPAM driver choice")
struct IPAMDriverTests {
    /// The running test binary's canonical directory, where a file can be placed as "beside us".
    static var ownDirectory: String { IPAMDriver.ownDirectory ?? "/nonexistent" }

    @Test func ownDirectoryIsTheRunningBinarysDirectory() throws {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(IPAMDriver.ownDirectory == URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent().path)
    }

    @Test func hostLocalBesideTheBinaryRunsInProcessUnlessForced() throws {
        let dir = try FileManager.default.url(
            for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: Self.ownDirectory),
            create: true
        ).path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A symbolic link elsewhere to a host-local beside us counts as beside us; a real file
        // elsewhere does not.
        let beside = Self.ownDirectory + "/host-local"
        let createdBeside = !FileManager.default.fileExists(atPath: beside)
        if createdBeside { FileManager.default.createFile(atPath: beside, contents: Data("#!/bin/sh\n".utf8)) }
        defer { if createdBeside { try? FileManager.default.removeItem(atPath: beside) } }
        try FileManager.default.createSymbolicLink(atPath: dir + "/host-local", withDestinationPath: beside)
        let elsewhere = NSTemporaryDirectory() + "ipam-driver-\(getpid())"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        FileManager.default.createFile(atPath: elsewhere + "/host-local", contents: Data("#!/bin/sh\n".utf8))

        #expect(IPAMDriver.choose(for: beside, environmentOverride: nil) == .inProcess)
        #expect(IPAMDriver.choose(for: dir + "/host-local", environmentOverride: nil) == .inProcess)
        #expect(IPAMDriver.choose(for: beside, environmentOverride: "1") == .exec)
        #expect(IPAMDriver.choose(for: beside, environmentOverride: "0") == .inProcess)
        #expect(IPAMDriver.choose(for: elsewhere + "/host-local", environmentOverride: nil) == .exec)
    }

    @Test func otherIPAMTypesAreExecuted() {
        #expect(IPAMDriver.choose(for: Self.ownDirectory + "/dhcp", environmentOverride: nil) == .exec)
        #expect(IPAMDriver.choose(for: Self.ownDirectory + "/static", environmentOverride: nil) == .exec)
    }

    @Test func directoryOfPath() {
        #expect(RealPath.directory(of: "/a/b/c") == "/a/b")
        #expect(RealPath.directory(of: "/c") == "/")
        #expect(RealPath.resolve("/nonexistent/x") == nil)
    }
}
