import Foundation
import Testing

@testable import PluginRuntime
@testable import SystemSupport

/// `InProcessIPAM.choose`: in-process only for a file named `host-local` that carries the running
/// build's identity note, and never with `SWIFT_CNI_EXEC_IPAM=1`.
@Suite("IPAM driver choice")
struct InProcessIPAMTests {
    /// A minimal ELF64 little-endian file: header, one `PT_NOTE` program header, the notes.
    static func elf(notes: [(name: String, type: UInt32, descriptor: String)]) -> Data {
        func le(_ value: UInt64, _ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        func pad(_ bytes: [UInt8]) -> [UInt8] { bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }
        var segment: [UInt8] = []
        for note in notes {
            let name = Array(note.name.utf8) + [0]
            let descriptor = Array(note.descriptor.utf8) + [0]
            segment += le(UInt64(name.count), 4) + le(UInt64(descriptor.count), 4) + le(UInt64(note.type), 4)
            segment += pad(name) + pad(descriptor)
        }
        var header: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        header += le(2, 2) + le(0x3E, 2) + le(1, 4) + le(0, 8)  // type, machine, version, entry
        header += le(64, 8) + le(0, 8) + le(0, 4)  // phoff, shoff, flags
        header += le(64, 2) + le(56, 2) + le(1, 2) + le(64, 2) + le(0, 2) + le(0, 2)  // ehsize, phentsize, phnum, ...
        var program: [UInt8] = le(4, 4) + le(4, 4) + le(120, 8) + le(0, 8) + le(0, 8)  // PT_NOTE, flags, offset, vaddr, paddr
        program += le(UInt64(segment.count), 8) + le(UInt64(segment.count), 8) + le(4, 8)  // filesz, memsz, align
        return Data(header + program + segment)
    }

    static func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "ipam-driver-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    @Test func runningBinaryCarriesItsOwnIdentityNote() {
        #expect(BuildIdentity.current.hasPrefix("swift-cni "))
        #expect(BuildIdentity.of(path: "/proc/self/exe") == BuildIdentity.current)
    }

    @Test func hostLocalOfTheSameBuildRunsInProcessUnlessForced() throws {
        try Self.withDirectory { dir in
            let path = dir + "/host-local"
            FileManager.default.createFile(
                atPath: path, contents: Self.elf(notes: [("GNU", 3, "build-id"), ("swift-cni", 1, "swift-cni 9.9 same")]))
            #expect(BuildIdentity.of(path: path) == "swift-cni 9.9 same")
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: "swift-cni 9.9 same") == .inProcess)
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: "0", identity: "swift-cni 9.9 same") == .inProcess)
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: "1", identity: "swift-cni 9.9 same") == .exec)
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: "swift-cni 9.9 other") == .exec)
            // A symbolic link resolves to the same file.
            try FileManager.default.createDirectory(atPath: dir + "/link", withIntermediateDirectories: false)
            try FileManager.default.createSymbolicLink(atPath: dir + "/link/host-local", withDestinationPath: path)
            #expect(InProcessIPAM.choose(for: dir + "/link/host-local", inProcessTypes: ["host-local"], environmentOverride: nil, identity: "swift-cni 9.9 same") == .inProcess)
        }
    }

    @Test func foreignFilesAreExecuted() throws {
        try Self.withDirectory { dir in
            let path = dir + "/host-local"
            let identity = BuildIdentity.current
            FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\nexec true\n".utf8))
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: identity) == .exec)
            FileManager.default.createFile(atPath: path, contents: Self.elf(notes: [("GNU", 3, "build-id")]))
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: identity) == .exec)
            // Our note type with another owner, another type with our owner.
            FileManager.default.createFile(atPath: path, contents: Self.elf(notes: [("swift-cnx", 1, identity), ("swift-cni", 2, identity)]))
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: identity) == .exec)
            // Truncated inside the note segment.
            FileManager.default.createFile(atPath: path, contents: Self.elf(notes: [("swift-cni", 1, identity)]).prefix(130))
            #expect(BuildIdentity.of(path: path) == nil)
            #expect(InProcessIPAM.choose(for: path, inProcessTypes: ["host-local"], environmentOverride: nil, identity: identity) == .exec)
            #expect(InProcessIPAM.choose(for: dir + "/missing/host-local", inProcessTypes: ["host-local"], environmentOverride: nil, identity: identity) == .exec)
        }
    }

    @Test func otherIPAMTypesAreExecutedEvenWithOurNote() throws {
        try Self.withDirectory { dir in
            for name in ["dhcp", "static", "host-local2"] {
                FileManager.default.createFile(atPath: dir + "/" + name, contents: Self.elf(notes: [("swift-cni", 1, "id")]))
                #expect(InProcessIPAM.choose(for: dir + "/" + name, inProcessTypes: ["host-local"], environmentOverride: nil, identity: "id") == .exec)
            }
        }
    }

    @Test func malformedNoteSegmentsAreRejected() {
        // namesz larger than the segment.
        let bytes: [UInt8] = [0xFF, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0]
        #expect(ELFNotes.parse(bytes) == nil)
        #expect(ELFNotes.parse([]) == [])
        #expect(ELFNotes.programHeaderTable([UInt8](repeating: 0, count: 64)) == nil)
    }
}
