import CNISpec
import Foundation
import Testing

@testable import HostLocalIPAM

@Suite("host-local store")
struct StoreTests {
    @Test func onDiskFormatIsByteExact() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}],[{"subnet":"fd00::/64"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("ctr-1", "eth0"))
            #expect(files(dir) == [".swift-cni", "10.0.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"])
            #expect(content(dir + "/10.0.0.2") == Array("ctr-1\r\neth0".utf8))
            #expect(content(dir + "/fd00::2") == Array("ctr-1\r\neth0".utf8))
            #expect(content(dir + "/last_reserved_ip.0") == Array("10.0.0.2".utf8))
            #expect(content(dir + "/last_reserved_ip.1") == Array("fd00::2".utf8))
            #expect(content(dir + "/lock") == [])
            #expect(content(dir + "/.swift-cni/ctr-1:eth0") == Array("swift-cni attachment-index v1\n10.0.0.2\nfd00::2\n".utf8))
            // A shorter rewrite of last_reserved_ip leaves no stale tail.
            try m.store.withLock { () throws(CNIError) in
                do throws(StoreError) { try m.store.setLastReserved(ip("10.0.0.9"), setIndex: 0) } catch { throw error.cniError }
            }
            #expect(content(dir + "/last_reserved_ip.0") == Array("10.0.0.9".utf8))
        }
    }

    @Test func indexContentCanNeverLookLikeAReservation() {
        let bytes = AttachmentIndex.encode([ip("10.0.0.2")])
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!text.contains("\r\n"), "no id\\r\\nifname record")
        #expect(text.contains(" "), "container ids have no spaces")
        #expect(IPAddress(AttachmentIndex.entryName(attachment("fd00", "1"))) == nil, "entry names never parse as addresses")
        #expect(AttachmentIndex.attachment(fromEntryName: "a_b:c_d") == attachment("a_b", "c_d"))
        #expect(AttachmentIndex.decode(Array("swift-cni attachment-index v1\n10.0".utf8)) == nil, "torn write")
    }

    @Test func deleteUsesVerifiedIndexAndIsIdempotent() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))
            _ = try m.allocate(attachment("b"))
            #expect(try m.release(attachment("a")) == [ip("10.0.0.2")])
            #expect(try m.release(attachment("a")) == [], "second DEL succeeds, releases nothing")
            #expect(try m.release(attachment("never")) == [])
            #expect(files(dir).filter { $0.first!.isNumber } == ["10.0.0.3"])
            #expect(files(dir + "/.swift-cni") == ["b:eth0"])
        }
    }

    @Test func staleIndexNeverReleasesSomeoneElsesAddress() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))
            // The reference binary released a's address (it does not know our index) and
            // gave it to c.
            try FileManager.default.removeItem(atPath: dir + "/10.0.0.2")
            try Data("c\r\neth0".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.2"))
            #expect(try m.release(attachment("a")) == [])
            #expect(content(dir + "/10.0.0.2") == Array("c\r\neth0".utf8), "c keeps its address")
            #expect(files(dir + "/.swift-cni") == [], "the stale entry is gone")
            // And a stale entry does not block a new ADD of the same attachment.
            _ = try m.allocate(attachment("b"))
            try FileManager.default.removeItem(atPath: dir + "/10.0.0.3")
            #expect(try m.allocate(attachment("b")).map(\.cidr) == ["10.0.0.4/24"])
        }
    }

    @Test func referenceReservationsFallBackToFullScan() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            // Files as the reference writes them: no index entry. One legacy id-only record.
            try Data("r1\r\neth0".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.7"))
            try Data("r1\r\neth1".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.8"))
            try Data("old\n".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.9"))
            #expect(try m.reservedAddresses(attachment("r1")) == [ip("10.0.0.7")])
            #expect(try m.release(attachment("r1")) == [ip("10.0.0.7")])
            #expect(try m.release(attachment("old", "eth5")) == [ip("10.0.0.9")], "legacy match by id")
            #expect(files(dir).filter { $0.first!.isNumber } == ["10.0.0.8"])
        }
    }

    @Test func corruptIndexFallsBackToScan() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))
            try Data("swift-cni attachment-index v1\n10.0".utf8).write(to: URL(fileURLWithPath: dir + "/.swift-cni/a:eth0"))
            #expect(throws: CNIError.self, "duplicate detected through the scan") { try m.allocate(attachment("a")) }
            #expect(try m.release(attachment("a")) == [ip("10.0.0.2")])
        }
    }

    @Test func checkVerifiesReservationAndPrevResult() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, _: String) throws in
            _ = try m.allocate(attachment("a"))
            try m.check(attachment("a"), expected: [ip("10.0.0.2")])
            try m.check(attachment("a"), expected: [ip("192.168.1.1")])  // not ours to judge
            do throws(CNIError) {
                try m.check(attachment("a"), expected: [ip("10.0.0.9")])
                Issue.record("CHECK accepted an address we did not reserve")
            } catch {
                #expect(error.code == .unknownContainer)
            }
            do throws(CNIError) {
                try m.check(attachment("b"), expected: [])
                Issue.record("CHECK accepted an unknown attachment")
            } catch {
                #expect(error.code == .unknownContainer)
                #expect(error.msg == "host-local: Failed to find address added by container b")
            }
        }
    }

    @Test func garbageCollection() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("keep"))  // .2
            _ = try m.allocate(attachment("drop"))  // .3
            _ = try m.allocate(attachment("keep", "net1"))  // .4
            // A reservation left by an ADD killed before its index entry, a legacy
            // id-only record of a valid container, one of a stale container, a leftover
            // temporary and an unrelated file.
            try Data("killed\r\neth0".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.20"))
            try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.21"))
            try Data("gone".utf8).write(to: URL(fileURLWithPath: dir + "/10.0.0.22"))
            try Data("x\r\neth0".utf8).write(to: URL(fileURLWithPath: dir + "/.swift-cni/.tmp-123"))
            try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/README"))
            let released = try m.collectGarbage(valid: [attachment("keep"), attachment("keep", "net1")])
            #expect(Set(released) == [ip("10.0.0.3"), ip("10.0.0.20"), ip("10.0.0.22")])
            #expect(files(dir) == [".swift-cni", "10.0.0.2", "10.0.0.21", "10.0.0.4", "README", "last_reserved_ip.0", "lock"])
            #expect(files(dir + "/.swift-cni") == ["keep:eth0", "keep:net1"])
            // An empty list releases everything but never lock / last_reserved_ip.
            _ = try m.collectGarbage(valid: [])
            #expect(files(dir) == [".swift-cni", "README", "last_reserved_ip.0", "lock"])
            #expect(files(dir + "/.swift-cni") == [])
        }
    }

    @Test func statusReportsExhaustion() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/30"}],[{"subnet":"fd00::/64"}]]"#) { (m: AddressManager, dir: String) throws in
            try m.status()
            _ = try m.allocate(attachment("a"))
            do throws(CNIError) {
                try m.status()
                Issue.record("STATUS ok with an exhausted range set")
            } catch {
                #expect(error.code == .pluginNotAvailable)
                #expect(error.msg == "no IP addresses available in range set: 10.0.0.1-10.0.0.2")
            }
            try m.release(attachment("a"))
            try m.status()
        }
    }
}
