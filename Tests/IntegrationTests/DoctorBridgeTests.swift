import Foundation
import Testing

/// `cnictl doctor` on a node with a dual-stack gateway bridge network and no overlay: healthy
/// gives no findings; IPv6 forwarding off is named because an IPv6 pod exists.
@Suite("cnictl doctor: dual-stack bridge node", .enabled(if: TestEnvironment.canRunNetNSTests))
struct DoctorBridgeTests {
    @Test func ipv6ForwardingOffWithAnIPv6Pod() throws {
        let dir = try TestEnvironment.makeTempDir("doctor")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TestNamespace.with(2) { namespaces in
            let node = namespaces[0], pod = namespaces[1]
            try node.run(["ip", "link", "set", "lo", "up"])
            let bridge = TestEnvironment.uniqueName("br")
            let conf = "\(dir)/docnet.conflist", cache = "\(dir)/cache"
            try """
                {"cniVersion": "1.1.0", "name": "docnet", "plugins": [
                  {"type": "bridge", "bridge": "\(bridge)", "isGateway": true,
                   "ipam": {"type": "host-local", "dataDir": "\(dir)/ipam",
                            "ranges": [[{"subnet": "10.78.0.0/24"}], [{"subnet": "fd00:78::/64"}]]}}
                ]}
                """.write(toFile: conf, atomically: true, encoding: .utf8)
            let add = try CnictlRun.run(
                ["add", "docnet", pod.path, "--conf", conf, "--bin-dir", TestEnvironment.binDir, "--cache-dir", cache,
                 "--container-id", "dual"], inNS: node.name)
            #expect(add.status == 0, "\(add.summary)")
            func doctor() throws -> PluginExec.Output {
                try CnictlRun.run(["doctor", "docnet", "--conf", conf, "--cache-dir", cache, "--json"], inNS: node.name)
            }
            let healthy = try doctor()
            #expect(healthy.status == 0 && healthy.stdout.isEmpty, "no false alarm: \(healthy.summary)")
            try node.run(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=0"])
            let off = try doctor()
            #expect(off.status == 1, "\(off.summary)")
            let finding = try #require(off.stdout.split(separator: "\n").first.flatMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            })
            #expect(finding["check"] == "ip-forwarding-off" && finding["object"] == "net.ipv6.conf.all.forwarding", "\(off.summary)")
            #expect(off.stdout.split(separator: "\n").count == 1, "\(off.summary)")
        }
    }
}
