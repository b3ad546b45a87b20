import BGPRouting
import CNISpec
import Foundation
import Netlink
import Testing
import JSONSupport

/// BIRD 2 itself parses every shape of configuration the renderer writes (`bird -p`).
@Suite("BIRD configurations parse", .enabled(if: BirdProcess.available || TestEnvironment.isCI))
struct BGPConfigValidationTests {
    static func node(_ name: String, _ address: String, _ cidrs: [String]) -> BGPNode {
        BGPNode(name: name, address: InetAddress(address)!, podCIDRs: cidrs.map { InetPrefix($0)! })
    }

    static let dualStack = [
        node("node1", "192.168.60.11", ["10.244.1.0/24", "fd00:10:244:1::/64"]),
        node("node-2.example", "192.168.60.12", ["10.244.2.0/24", "fd00:10:244:2::/64"]),
        node("node3", "192.168.61.13", ["10.244.3.0/24"]),
    ]
    static let ipv6Only = [node("v6a", "fd00::11", ["fd00:10:244:1::/64"]), node("v6b", "fd00::12", ["fd00:10:244:2::/64"])]

    static func routing(_ json: String) throws -> RoutingConfig {
        guard case .object(let object) = try JSONParser.parse(Array(json.utf8)) else { throw CNIError(.decodingFailure, "fixture") }
        return try RoutingConfig(reader: JSONFieldReader(object))
    }

    static let variants: [(String, [BGPNode], [String])] = [
        (#"{"routing": {"mode": "bgp"}}"#, dualStack, ["10.244.0.0/16", "fd00:10:244::/48"]),
        (#"{"routing": {"mode": "bgp"}}"#, dualStack, []),
        (
            """
            {"routing": {"mode": "bgp", "asn": 4200000001, "peers": "none", "bfd": true, "gracefulRestart": false, "holdTime": 3,
             "routeReflectors": [{"address": "192.168.60.1"}],
             "externalPeers": [{"address": "192.168.60.254", "asn": 65001, "password": "s3cret"}, {"address": "fd00::fe", "asn": 65002}]}}
            """, dualStack, ["10.244.0.0/16", "fd00:10:244::/48"]
        ),
        (#"{"routing": {"mode": "bgp", "holdTime": 0}}"#, ipv6Only, ["fd00:10:244::/48"]),
    ]

    @Test(arguments: 0..<4)
    func birdParsesTheRenderedConfiguration(variant: Int) throws {
        let (json, nodes, cluster) = Self.variants[variant]
        let dir = try TestEnvironment.makeTempDir("bird")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for selfNode in nodes {
            let rendered = try BirdConfigRenderer(
                network: "cluster", routing: try Self.routing(json), selfNode: selfNode, nodes: nodes,
                clusterCIDRs: cluster.map { InetPrefix($0)! }, underlayInterface: "eth0"
            ).render()
            let file = "\(dir)/\(selfNode.name).conf"
            try rendered.text.write(toFile: file, atomically: true, encoding: .utf8)
            let out = try Shell.run([BirdProcess.binary, "-p", "-c", file])
            #expect(out.status == 0, "variant \(variant), node \(selfNode.name): \(out.stderr)\n\(rendered.text)")
        }
    }
}
