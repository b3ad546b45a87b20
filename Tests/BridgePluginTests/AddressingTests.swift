import CNISpec
import Testing

@testable import BridgePlugin

@Suite("IP text and prefixes")
struct AddressingTests {
    @Test(arguments: [
        ("10.1.2.3", "10.1.2.3"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("fd00::1", "fd00::1"), ("FD00:0:0:0:0:0:0:1", "fd00::1"), ("::", "::"), ("::1", "::1"),
        ("fd00:1:0:0:1:0:0:1", "fd00:1::1:0:0:1"), ("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"),
        ("2001:db8::", "2001:db8::"), ("::ffff:10.0.0.1", "::ffff:a00:1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func roundTrip(_ input: String, _ expected: String) throws {
        let bytes = try #require(IPText.parse(input))
        #expect(IPText.format(bytes) == expected)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.1.1.1", "a.b.c.d", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::",
        "1:2:3:4:5:6:7", ":::", "fd00::g",
    ])
    func rejects(_ input: String) {
        #expect(IPText.parse(input) == nil)
    }

    @Test func prefixArithmetic() throws {
        let p = try #require(IPPrefix("10.22.33.44/16"))
        #expect(p.description == "10.22.33.44/16")
        #expect(p.network.description == "10.22.0.0/16")
        #expect(IPText.format(IPPrefix.next(p.networkBytes)) == "10.22.0.1")
        #expect(p.contains(IPText.parse("10.22.255.255")!))
        #expect(!p.contains(IPText.parse("10.23.0.0")!))
        let q = try #require(IPPrefix("fd00:1:2:3::99/64"))
        #expect(q.network.description == "fd00:1:2:3::/64")
        #expect(IPText.format(IPPrefix.next(q.networkBytes)) == "fd00:1:2:3::1")
        let odd = try #require(IPPrefix("10.0.0.77/27"))
        #expect(odd.network.description == "10.0.0.64/27")
        #expect(IPPrefix("10.0.0.1/33") == nil)
        #expect(IPPrefix("10.0.0.1") == nil)
        #expect(IPPrefix("10.0.0.1/+3") == nil)
        #expect(IPText.format(IPPrefix.next([10, 0, 0, 255])) == "10.0.1.0")
    }

    @Test func macParsing() {
        #expect(RequestedMAC.parse("0A-58-0a-F4-00-05")?.description == "0a:58:0a:f4:00:05")
        #expect(RequestedMAC.parse("0a:58:0a:f4:00") == nil)
        #expect(RequestedMAC.parse("0a:58:0a:f4:00:5") == nil)
        #expect(RequestedMAC.parse("0a:58:0a:f4:00:05:00") == nil)
        #expect(RequestedMAC.isMulticast(RequestedMAC.parse("01:00:00:00:00:00")!))
        #expect(RequestedMAC.isZero(RequestedMAC.parse("00:00:00:00:00:00")!))
    }
}
