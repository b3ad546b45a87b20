import Foundation
import Testing

/// Our bridge and the reference (Debian's Go plugin, cniVersion 1.0.0) given the same
/// configuration, each in its own host namespace: the results and the kernel state they
/// leave must agree (names of random host veths and MACs aside).
@Suite("bridge vs reference", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeDifferentialTests {
    static let optionSets = [
        "",
        #""isGateway":true"#,
        #""isDefaultGateway":true"#,
        #""isDefaultGateway":true,"mtu":1400,"hairpinMode":true"#,
        #""isGateway":true,"promiscMode":true"#,
    ]

    struct Observed: Equatable, CustomStringConvertible {
        var ips: [String]
        var routes: [String]
        var interfaceCount: Int
        var containerAddresses: [String]
        var containerRoutes: [String]
        var containerMTU: Int
        var containerUp: Bool
        var acceptDAD: String
        var arpNotify: String
        var bridgeAddresses: [String]
        var bridgePromisc: Bool
        var portHairpin: Bool
        var portMTU: Int
        var forwarding: String
        var description: String { String(describing: Mirror(reflecting: self).children.map { "\($0.label ?? ""): \($0.value)" }) }
    }

    static func observe(_ h: BridgeTestHost, _ c: TestNamespace, _ out: PluginExec.Output) throws -> Observed {
        let json = out.json ?? [:]
        let ips = (json["ips"] as? [[String: Any]] ?? []).map { "\($0["address"] ?? "") gw \($0["gateway"] ?? "-") if \($0["interface"] ?? "-")" }
        let routes = (json["routes"] as? [[String: Any]] ?? []).map { "\($0["dst"] ?? "") via \($0["gw"] ?? "-")" }
        var containerRoutes: [String] = []
        for family in ["-4", "-6"] {
            let list = try JSONSerialization.jsonObject(with: Data(try c.run(["ip", family, "-j", "route"]).utf8)) as? [[String: Any]] ?? []
            containerRoutes += list.filter { ($0["dst"] as? String ?? "") != "fe80::/64" }
                .map { "\($0["dst"] ?? "") via \($0["gateway"] ?? "-") dev \($0["dev"] ?? "")" }
        }
        let link = try c.link("eth0") ?? [:]
        let hostVeth = out.hostVeth ?? ""
        let port = try BridgeOptionsTests.port(h, hostVeth)
        return Observed(
            ips: ips, routes: routes, interfaceCount: (json["interfaces"] as? [Any])?.count ?? 0,
            containerAddresses: try h.addressList(c, "eth0"), containerRoutes: containerRoutes.sorted(),
            containerMTU: link["mtu"] as? Int ?? 0, containerUp: (link["flags"] as? [String] ?? []).contains("UP"),
            acceptDAD: try BridgeOptionsTests.containerSysctl(c, "net/ipv6/conf/eth0/accept_dad"),
            arpNotify: try BridgeOptionsTests.containerSysctl(c, "net/ipv4/conf/eth0/arp_notify"),
            bridgeAddresses: try h.hostAddresses(h.bridge).sorted(),
            bridgePromisc: ((try h.link(h.bridge))?["flags"] as? [String] ?? []).contains("PROMISC"),
            portHairpin: port["hairpin"] as? Bool ?? false,
            portMTU: (try h.link(hostVeth))?["mtu"] as? Int ?? 0,
            forwarding: try h.host.run(["cat", "/proc/sys/net/ipv4/ip_forward"]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(arguments: optionSets)
    func sameConfigSameState(_ options: String) throws {
        let ours = try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.referenceDir
            let c = try h.newContainer()
            let out = try h.add(h.config(options, ipam: h.ipam()), container: c)
            return try Self.observe(h, c, out)
        }
        let reference = try BridgeTestHost.with { h in
            h.ipamDir = TestEnvironment.referenceDir
            let c = try h.newContainer()
            let out = try h.exec(
                "ADD", config: h.config(options, ipam: h.ipam()), container: c, binary: TestEnvironment.reference("bridge"))
            #expect(out.status == 0, "reference ADD: \(out.summary)")
            return try Self.observe(h, c, out)
        }
        #expect(ours == reference, "ours:\n\(ours)\nreference:\n\(reference)")
    }
}
