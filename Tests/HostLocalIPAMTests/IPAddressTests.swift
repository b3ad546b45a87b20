import Testing

@testable import HostLocalIPAM

@Suite("IP address arithmetic")
struct IPAddressTests {
    @Test(arguments: [
        ("10.1.2.3", "10.1.2.3"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("fd00::1", "fd00::1"), ("FD00:0:0:0:0:0:0:1", "fd00::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("::", "::"), ("::1", "::1"), ("1::", "1::"),
        ("::ffff:10.0.0.1", "10.0.0.1"), ("64:ff9b::10.0.0.1", "64:ff9b::a00:1"),
        ("fe80:0:0:1:0:0:0:0", "fe80:0:0:1::"), ("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"),
    ])
    func canonicalText(_ input: String, _ expected: String) throws {
        let address = try #require(IPAddress(input), "\(input) parses")
        #expect(address.description == expected)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", ":::", "1:2:3:4:5:6:7:8:9",
        "12345::", "1::2::3", ":1::", "1:", "fe80::1%eth0", "10.0.0.1/24",
    ])
    func rejects(_ input: String) {
        #expect(IPAddress(input) == nil, "\(input) must not parse")
    }

    @Test func nextAndPrevious() {
        #expect(ip("10.0.0.255").next == ip("10.0.1.0"))
        #expect(ip("10.0.1.0").previous == ip("10.0.0.255"))
        #expect(ip("255.255.255.255").next == ip("0.0.0.0"))
        #expect(ip("0.0.0.0").previous == ip("255.255.255.255"))
        #expect(ip("fd00::ffff").next == ip("fd00::1:0"))
        #expect(ip("fd00::1:0").previous == ip("fd00::ffff"))
        #expect(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next == ip("::"))
        #expect(ip("10.0.0.1") < ip("10.0.0.2"))
        #expect(ip("255.255.255.255") < ip("::"), "IPv4 orders before IPv6")
    }

    @Test func subnets() throws {
        let s = try #require(IPSubnet("10.1.0.0/16"))
        #expect(s.network == ip("10.1.0.0"))
        #expect(s.broadcast == ip("10.1.255.255"))
        #expect(!s.hasHostBits)
        #expect(s.contains(ip("10.1.200.3")))
        #expect(!s.contains(ip("10.2.0.0")))
        #expect(!s.contains(ip("fd00::1")))
        let h = try #require(IPSubnet("10.1.2.3/24"))
        #expect(h.hasHostBits)
        #expect(h.network == ip("10.1.2.0"))
        #expect(h.description == "10.1.2.0/24")
        let v6 = try #require(IPSubnet("fd00:1::/64"))
        #expect(v6.last == ip("fd00:1::ffff:ffff:ffff:ffff"))
        #expect(v6.contains(ip("fd00:1::abcd")))
        #expect(!v6.contains(ip("fd00:2::")))
        #expect(IPSubnet("0.0.0.0/0")!.contains(ip("1.2.3.4")))
        for bad in ["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/08", "x/8", "10.0.0.0/"] {
            #expect(IPSubnet(bad) == nil, "\(bad) must not parse")
        }
    }

    @Test func rangeDefaults() throws {
        let r = try AddressRange.canonical(subnet: IPSubnet("10.0.0.0/24")!, rangeStart: nil, rangeEnd: nil, gateway: nil)
        #expect(r.rangeStart == ip("10.0.0.1"))
        #expect(r.rangeEnd == ip("10.0.0.254"), "IPv4 excludes the broadcast")
        #expect(r.gateway == ip("10.0.0.1"))
        #expect(r.capacity == 253)
        #expect(r.description == "10.0.0.1-10.0.0.254")
        let r6 = try AddressRange.canonical(subnet: IPSubnet("fd00::/120")!, rangeStart: nil, rangeEnd: nil, gateway: nil)
        #expect(r6.rangeEnd == ip("fd00::ff"), "IPv6 keeps the last address")
        #expect(r6.capacity == 254)
        #expect(r.contains(ip("10.0.0.254")) && !r.contains(ip("10.0.0.255")) && !r.contains(ip("10.0.0.0")))
    }
}
