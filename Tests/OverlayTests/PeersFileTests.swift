import CNISpec
import Foundation
import Netlink
import Testing

@testable import Overlay

@Suite("peers file")
struct PeersFileTests {
    func withFile(_ text: String, _ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "swcni-peers-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test func fileEntriesWinOverConfiguredNodesByName() throws {
        try withFile(#"[{"name": "b", "underlayIP": "192.168.1.20", "podCIDRs": ["10.244.20.0/24"]}, {"name": "d", "underlayIP": "192.168.1.4", "podCIDRs": ["10.244.4.0/24"]}]"#) { path in
            let c = try vxlanConfig("{\"peersFile\": \"\(path)\", \(threeNodes)}")
            let nodes = try c.allNodes()
            #expect(nodes.map(\.name) == ["a", "c", "b", "d"])
            #expect(nodes.first { $0.name == "b" }?.underlayIP == InetAddress("192.168.1.20"))
        }
    }

    @Test func peersFileAloneIsEnough() throws {
        try withFile(#"{"nodes": [{"name": "a", "underlayIP": "10.0.0.1", "podCIDRs": ["10.244.1.0/24"]}]}"#) { path in
            let c = try vxlanConfig("{\"peersFile\": \"\(path)\"}")
            #expect(try c.allNodes().map(\.name) == ["a"])
        }
    }

    @Test func unreadableOrInvalidFiles() throws {
        let missing = try vxlanConfig("{\"peersFile\": \"/nonexistent/peers.json\"}")
        #expect(throws: CNIError(.ioFailure, "cannot open peers file /nonexistent/peers.json", details: "No such file or directory (ENOENT)")) {
            try missing.allNodes()
        }
        try withFile("{not json") { path in
            let c = try vxlanConfig("{\"peersFile\": \"\(path)\"}")
            do {
                _ = try c.allNodes()
                Issue.record("accepted invalid JSON")
            } catch let error as CNIError {
                #expect(error.code == .decodingFailure)
            }
        }
        try withFile(#"[{"name": "a", "underlayIP": "192.168.1.1", "podCIDRs": ["10.244.9.0/24"]}]"#) { path in
            // Same name as configured node "a": the file's entry replaces it.
            let c = try vxlanConfig("{\"peersFile\": \"\(path)\", \(threeNodes)}")
            #expect(try c.allNodes().first { $0.name == "a" }?.podCIDRs.map(\.description) == ["10.244.9.0/24"])
        }
        try withFile(#"[{"name": "z", "underlayIP": "192.168.1.99", "podCIDRs": ["10.244.2.128/25"]}]"#) { path in
            let c = try vxlanConfig("{\"peersFile\": \"\(path)\", \(threeNodes)}")
            do {
                _ = try c.allNodes()
                Issue.record("accepted a pod CIDR overlapping node b's")
            } catch let error as CNIError {
                #expect(error.code == .invalidNetworkConfig && error.msg.contains("overlaps"), "\(error)")
            }
        }
    }
}
