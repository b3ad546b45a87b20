import CNISpec
import Foundation
import Testing

@testable import HostLocalIPAM

@Suite("host-local allocation")
struct AllocatorTests {
    @Test func roundRobinFromLastReserved() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/29"}]]"#) { (m: AddressManager, dir: String) throws in
            // .1 is the gateway; .2-.6 allocatable (.7 broadcast).
            let a = try m.allocate(attachment("a"))
            #expect(a.map(\.cidr) == ["10.0.0.2/29"])
            #expect(a[0].gateway == ip("10.0.0.1"))
            let b = try m.allocate(attachment("b"))
            #expect(b.map(\.cidr) == ["10.0.0.3/29"])
            try m.release(attachment("a"))
            // Round-robin: the released .2 is not reused until the range wraps.
            #expect(try m.allocate(attachment("c")).map(\.cidr) == ["10.0.0.4/29"])
            #expect(try m.allocate(attachment("d")).map(\.cidr) == ["10.0.0.5/29"])
            #expect(try m.allocate(attachment("e")).map(\.cidr) == ["10.0.0.6/29"])
            // Wraps past the end, skipping the gateway .1.
            #expect(try m.allocate(attachment("f")).map(\.cidr) == ["10.0.0.2/29"])
            #expect(String(decoding: content(dir + "/last_reserved_ip.0")!, as: UTF8.self) == "10.0.0.2")
        }
    }

    @Test func exhaustionKeepsReferenceWording() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/30"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))  // .2 (.1 gateway, .3 broadcast)
            do throws(CNIError) {
                _ = try m.allocate(attachment("b"))
                Issue.record("allocated from an exhausted range")
            } catch {
                #expect(error.code == .tryAgainLater)
                #expect(error.msg == "failed to allocate for range 0: no IP addresses available in range set: 10.0.0.1-10.0.0.2")
            }
            #expect(files(dir + "/.swift-cni") == ["a:eth0"], "the failed attachment leaves no index entry")
            #expect(files(dir).filter { $0.hasPrefix("10.") } == ["10.0.0.2"])
            #expect(throws: CNIError.self) { try m.status() }
        }
    }

    @Test func roundRobinAcrossRangesOfASet() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/30"},{"subnet":"10.0.1.0/24","rangeStart":"10.0.1.10","rangeEnd":"10.0.1.11"}]]"#) { (m: AddressManager, _: String) throws in
            let got = try ["a", "b", "c"].map { try m.allocate(attachment($0))[0].cidr }
            #expect(got == ["10.0.0.2/30", "10.0.1.10/24", "10.0.1.11/24"])
        }
    }

    @Test func explicitGatewayMakesDotOneAllocatable() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/29","gateway":"10.0.0.6"}]]"#) { (m: AddressManager, _: String) throws in
            let got = try (0..<5).map { try m.allocate(attachment("c\($0)"))[0].ip.description }
            #expect(got == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"])
            #expect(throws: CNIError.self) { try m.allocate(attachment("x")) }
        }
    }

    @Test func dualStackAndIPv6() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}],[{"subnet":"fd00:1::/64","rangeStart":"fd00:1::ffff"}]]"#) { (m: AddressManager, dir: String) throws in
            let got = try m.allocate(attachment("a"))
            #expect(got.map(\.cidr) == ["10.0.0.2/24", "fd00:1::ffff/64"])
            #expect(got.map(\.gateway.description) == ["10.0.0.1", "fd00:1::1"])
            #expect(try m.allocate(attachment("b"))[1].ip == ip("fd00:1::1:0"))
            #expect(FileManager.default.fileExists(atPath: dir + "/fd00:1::ffff"))
        }
    }

    @Test func requestedAddresses() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}],[{"subnet":"fd00::/64"}]]"#, requested: ["fd00::99", "10.0.0.50"]) { (m: AddressManager, _: String) throws in
            #expect(try m.allocate(attachment("a")).map(\.cidr) == ["10.0.0.50/24", "fd00::99/64"])
            // The same address again: taken (11), and nothing of b's stays behind.
            do throws(CNIError) {
                _ = try m.allocate(attachment("b"))
                Issue.record("a taken address was handed out twice")
            } catch {
                #expect(error.code == .tryAgainLater)
                #expect(error.msg.contains("requested IP address 10.0.0.50 is not available in range set 10.0.0.1-10.0.0.254"))
            }
            #expect(try m.reservedAddresses(attachment("b")).isEmpty)
        }
    }

    @Test(arguments: [
        ("10.0.0.1", "requested ip 10.0.0.1 is subnet's gateway"),
        ("10.9.0.5", "failed to allocate all requested IPs: 10.9.0.5"),
        ("10.0.0.255", "failed to allocate all requested IPs: 10.0.0.255"),
    ])
    func invalidRequestedAddress(_ requested: String, _ message: String) throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#, requested: [requested]) { (m: AddressManager, dir: String) throws in
            do throws(CNIError) {
                _ = try m.allocate(attachment("a"))
                Issue.record("\(requested) was allocated")
            } catch {
                #expect(error.code == .invalidNetworkConfig)
                #expect(error.msg.contains(message), "\(error)")
            }
            #expect(files(dir).filter { $0.first!.isNumber } == [], "rolled back")
            #expect(files(dir + "/.swift-cni") == [])
        }
    }

    @Test func multiSetFailureRollsBack() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}],[{"subnet":"10.1.0.0/30"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))  // takes 10.1.0.2, the only address of set 1
            do throws(CNIError) {
                _ = try m.allocate(attachment("b"))
                Issue.record("allocated from an exhausted second set")
            } catch {
                #expect(error.msg.hasPrefix("failed to allocate for range 1: no IP addresses available in range set"))
            }
            let reserved = files(dir).filter { $0.first!.isNumber }
            #expect(reserved == ["10.0.0.2", "10.1.0.2"], "b's 10.0.0.3 was released again")
            #expect(files(dir + "/.swift-cni") == ["a:eth0"])
        }
    }

    @Test func duplicateAddIsRejected() throws {
        try withManager(#"[[{"subnet":"10.0.0.0/24"}]]"#) { (m: AddressManager, dir: String) throws in
            _ = try m.allocate(attachment("a"))
            do throws(CNIError) {
                _ = try m.allocate(attachment("a"))
                Issue.record("duplicate ADD allocated again")
            } catch {
                #expect(error.msg == "10.0.0.2 has been allocated to a, duplicate allocation is not allowed")
            }
            // Another interface of the same container is a different attachment.
            #expect(try m.allocate(attachment("a", "net1")).map(\.cidr) == ["10.0.0.3/24"])
            #expect(files(dir).filter { $0.first!.isNumber } == ["10.0.0.2", "10.0.0.3"])
        }
    }

    @Test func iteratorVisitsEveryAddressOnce() throws {
        let set = try RangeSet([
            try AddressRange.canonical(subnet: IPSubnet("10.0.0.0/29")!, rangeStart: nil, rangeEnd: nil, gateway: nil),
            try AddressRange.canonical(subnet: IPSubnet("10.0.1.0/30")!, rangeStart: nil, rangeEnd: nil, gateway: nil),
        ])
        var it = RangeIterator(set: set, lastReserved: ip("10.0.0.4"))
        var seen: [String] = []
        while let (candidate, _) = it.next() { seen.append(candidate.description) }
        #expect(seen == ["10.0.0.5", "10.0.0.6", "10.0.1.2", "10.0.0.2", "10.0.0.3", "10.0.0.4"])
        var fresh = RangeIterator(set: set, lastReserved: ip("192.168.0.1"))
        #expect(fresh.next()?.ip == ip("10.0.0.2"), "a last address outside the set starts over")
    }
}
