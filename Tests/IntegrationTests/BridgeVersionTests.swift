import Foundation
import Testing

/// The bridge result in every specification version's format, and an IPv6-only network.
@Suite("bridge versions and families", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeVersionTests {
    @Test(arguments: ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    func resultFormatPerVersion(_ version: String) throws {
        try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.binDir  // our host-local accepts every version
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil), version: version)
            let c = try h.newContainer()
            let out = try h.add(config, container: c)
            let json = try #require(out.json, "\(out.summary)")
            #expect(json["cniVersion"] as? String == version)
            if version < "0.3.0" {
                let ip4 = json["ip4"] as? [String: Any]
                #expect(ip4?["ip"] as? String == "10.88.0.2/24")
                #expect(ip4?["gateway"] as? String == "10.88.0.1")
                #expect(json["interfaces"] == nil)
            } else {
                #expect(out.interfaceNames.count == 3)
                #expect(out.addresses == ["10.88.0.2/24"])
            }
            let del = try h.exec("DEL", config: config, container: c)
            #expect(del.status == 0, "\(del.summary)")
        }
    }

    @Test func ipv6OnlyPodsReachEachOtherAndTheGateway() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isDefaultGateway":true"#, ipam: h.ipam(v4: nil, v6: "fd77:1::/64"))
            let a = try h.newContainer()
            let b = try h.newContainer()
            try h.add(config, container: a, containerID: "a")
            try h.add(config, container: b, containerID: "b")
            #expect(try h.addressList(a, "eth0") == ["fd77:1::2/64"])
            #expect(try h.ping(from: a, "fd77:1::3"))
            #expect(try h.ping(from: b, "fd77:1::1"))
            #expect(try a.run(["ip", "-6", "route", "show", "default"]).contains("via fd77:1::1"))
            #expect(try h.host.run(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]).hasPrefix("1"))
        }
    }
}
