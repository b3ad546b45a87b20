import Foundation
import LinkControl
import Testing

/// Address text, prefix lengths and the loopback test, against the C library's own formatting.
@Suite("interface address")
struct AssignedAddressTests {
    static func parse(_ text: String) -> [UInt8] {
        if text.contains(":") {
            var value = in6_addr()
            precondition(inet_pton(AF_INET6, text, &value) == 1, text)
            return withUnsafeBytes(of: &value) { Array($0) }
        }
        var value = in_addr()
        precondition(inet_pton(AF_INET, text, &value) == 1, text)
        return withUnsafeBytes(of: &value) { Array($0) }
    }

    static func ntop(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(cString: buffer)
    }

    static let samples = [
        "127.0.0.1", "0.0.0.0", "255.255.255.255", "10.1.2.3",
        "::1", "::", "fe80::1", "2001:db8::", "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1",
        "1:2:3:4:5:6:7:8", "1:0:3:4:5:6:7:8", "0:0:1::", "ff02::1:ff00:1", "2001:db8:abcd:12::ffff",
    ]

    @Test(arguments: samples)
    func addressTextMatchesInetNtop(_ text: String) throws {
        let bytes = Self.parse(text)
        let address = try #require(AssignedAddress(bytes: bytes, prefixLength: bytes.count * 8))
        #expect(address.addressText == Self.ntop(bytes))
    }

    @Test func cidrText() throws {
        #expect(AssignedAddress(bytes: Self.parse("127.0.0.1"), prefixLength: 8)?.cidr == "127.0.0.1/8")
        #expect(AssignedAddress(bytes: Self.parse("::1"), prefixLength: 128)?.cidr == "::1/128")
    }

    @Test func invalidConstruction() {
        #expect(AssignedAddress(bytes: [1, 2, 3], prefixLength: 8) == nil)
        #expect(AssignedAddress(bytes: [127, 0, 0, 1], prefixLength: 33) == nil)
        #expect(AssignedAddress(bytes: [127, 0, 0, 1], prefixLength: -1) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("::1", true), ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("128.0.0.1", false), ("::", false), ("::2", false), ("fe80::1", false),
        ("::ffff:10.0.0.1", false), ("0.0.0.0", false),
    ])
    func loopbackClassification(_ text: String, _ expected: Bool) throws {
        let bytes = Self.parse(text)
        let address = try #require(AssignedAddress(bytes: bytes, prefixLength: bytes.count * 8))
        #expect(address.isLoopback == expected, "\(text)")
    }
}
