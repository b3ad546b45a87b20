import Foundation
import Testing

/// Two pods on one bridge, dual stack: they reach each other and the gateway over IPv4
/// and IPv6; the result has the reference's shape; DEL is idempotent.
@Suite("bridge connectivity", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeConnectivityTests {
    @Test func twoPodsReachEachOtherAndTheGatewayOverBothFamilies() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isDefaultGateway":true"#, ipam: h.ipam())
            let a = try h.newContainer()
            let b = try h.newContainer()
            let addA = try h.add(config, container: a, containerID: "pod-a")
            let addB = try h.add(config, container: b, containerID: "pod-b")

            // Result shape: [bridge, host veth, container veth], addresses on interface 2.
            #expect(addA.interfaceNames.first == h.bridge)
            #expect(addA.interfaceNames.last == "eth0")
            let ips = addA.json?["ips"] as? [[String: Any]] ?? []
            #expect(ips.count == 2 && ips.allSatisfy { $0["interface"] as? Int == 2 })
            #expect(addA.addresses == ["10.88.0.2/24", "fd88::2/64"])
            #expect(addB.addresses == ["10.88.0.3/24", "fd88::3/64"])
            let interfaces = addA.json?["interfaces"] as? [[String: Any]] ?? []
            #expect(interfaces.last?["sandbox"] as? String == a.path)
            #expect(interfaces.last?["mac"] as? String == (try a.link("eth0"))?["address"] as? String)

            // Kernel state matches the result.
            #expect(try h.addressList(a, "eth0") == ["10.88.0.2/24", "fd88::2/64"])
            #expect(Set(try h.hostAddresses(h.bridge)) == ["10.88.0.1/24", "fd88::1/64"])
            let routes = try a.run(["ip", "route", "show", "default"])
            #expect(routes.contains("default via 10.88.0.1 dev eth0"))
            #expect(try a.run(["ip", "-6", "route", "show", "default"]).contains("default via fd88::1 dev eth0"))
            let hostVeth = try #require(addA.hostVeth)
            #expect((try h.link(hostVeth))?["master"] as? String == h.bridge)

            // Traffic: pod to pod and pod to gateway, both families.
            #expect(try h.ping(from: a, "10.88.0.3"), "pod a -> pod b over IPv4")
            #expect(try h.ping(from: b, "10.88.0.2"), "pod b -> pod a over IPv4")
            #expect(try h.ping(from: a, "fd88::3"), "pod a -> pod b over IPv6")
            #expect(try h.ping(from: b, "fd88::2"), "pod b -> pod a over IPv6")
            #expect(try h.ping(from: a, "10.88.0.1"), "pod a -> gateway over IPv4")
            #expect(try h.ping(from: a, "fd88::1"), "pod a -> gateway over IPv6")

            // DEL, twice, for both; then with the namespace gone and with no namespace.
            for (ns, id) in [(a, "pod-a"), (b, "pod-b")] {
                for _ in 1...2 {
                    let del = try h.exec("DEL", config: config, container: ns, containerID: id)
                    #expect(del.status == 0 && del.stdout.isEmpty, "DEL: \(del.summary)")
                }
            }
            #expect(try h.hostVeths().isEmpty)
            #expect(try h.reservations().isEmpty)
            #expect(try h.addressList(a, "eth0").isEmpty)
            let gone = try h.exec("DEL", config: config, container: nil, containerID: "pod-a", netns: "/run/netns/does-not-exist")
            #expect(gone.status == 0, "DEL with a vanished netns: \(gone.summary)")
            let none = try h.exec("DEL", config: config, container: nil, containerID: "pod-a", netns: "")
            #expect(none.status == 0, "DEL without CNI_NETNS: \(none.summary)")
        }
    }

    @Test func delAfterTheNamespaceIsDeletedReleasesEverything() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true,"ipMasq":true,"macspoofchk":true"#, ipam: h.ipam(v6: nil))
            let c = try h.newContainer()
            try h.add(config, container: c)
            #expect(try h.reservations() == ["10.88.0.2"])
            #expect(try h.ruleset().contains("10.88.0.2"))
            let path = c.path
            c.remove()
            let del = try h.exec("DEL", config: config, container: nil, netns: path)
            #expect(del.status == 0, "DEL: \(del.summary)")
            #expect(try h.reservations().isEmpty)
            #expect(try h.ruleset().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "all our nftables rules are gone")
            #expect(try h.hostVeths().isEmpty)
        }
    }
}
