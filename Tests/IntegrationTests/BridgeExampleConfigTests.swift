import Foundation
import Testing

/// The bridge entries of conf/examples/bridge-*.conflist work as given (bridge name and
/// dataDir replaced by the test's own): ADD, CHECK (from 0.4.0), DEL, at every version the
/// list announces (`cniVersion`, which libcni before 1.2 uses, and `cniVersions`).
@Suite("bridge example configurations", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeExampleConfigTests {
    static let files = ["bridge-kubernetes-node.conflist", "bridge-dual-stack.conflist", "bridge-podman.conflist"]

    @Test(arguments: files)
    func exampleAddsChecksAndDeletes(_ file: String) throws {
        let path = "\(TestEnvironment.packageRoot)/conf/examples/\(file)"
        let list = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var versions = [try #require(list["cniVersion"] as? String)]
        for version in list["cniVersions"] as? [String] ?? [] where !versions.contains(version) { versions.append(version) }
        for version in versions {
            try BridgeTestHost.with { h in
                var plugin = try #require((list["plugins"] as? [[String: Any]])?.first { $0["type"] as? String == "bridge" })
                if version > "1.0.0" {
                    h.ipamDir = TestEnvironment.binDir  // the reference host-local stops at 1.0.0
                }
                plugin["cniVersion"] = version
                plugin["name"] = h.network
                plugin["bridge"] = h.bridge
                var ipam = try #require(plugin["ipam"] as? [String: Any])
                ipam["dataDir"] = h.dataDir
                plugin["ipam"] = ipam
                let config = String(decoding: try JSONSerialization.data(withJSONObject: plugin), as: UTF8.self)
                let c = try h.newContainer()
                let add = try h.add(config, container: c)
                #expect(!add.addresses.isEmpty)
                #expect(add.json?["cniVersion"] as? String == version)
                let routes = try c.run(["ip", "route", "show", "default"])
                #expect(routes.contains("via"), "the default route goes via the gateway: \(routes)")
                if let gateway = (add.json?["ips"] as? [[String: Any]])?.first?["gateway"] as? String {
                    #expect(try h.ping(from: c, gateway), "gateway \(gateway) answers")
                }
                plugin["prevResult"] = add.json
                let checkConfig = String(decoding: try JSONSerialization.data(withJSONObject: plugin), as: UTF8.self)
                let check = try h.exec("CHECK", config: checkConfig, container: c)
                #expect(check.status == 0, "CHECK \(version): \(check.summary)")
                let del = try h.exec("DEL", config: config, container: c)
                #expect(del.status == 0, "DEL \(version): \(del.summary)")
                #expect(try h.hostVeths().isEmpty && h.reservations().isEmpty)
            }
        }
    }
}
