import BridgePlugin
import Foundation
import NFTables
import NetNS
import Testing

/// The bridge rules change what packets do, observed with counters in the receiving namespaces.
@Suite("nftables bridge rules on traffic", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct NFTablesTrafficTests {
    static let podA = NFTAttachment(network: "net1", containerID: "ctr-a", ifname: "eth0")

    static func withFirewall(_ body: (BridgeTopology, BridgeFirewall) throws -> Void) throws {
        let dir = try TestEnvironment.makeTempDir("nft")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let firewall = try BridgeFirewall(lockPath: "\(dir)/nftables.lock")
        try BridgeTopology.with { try body($0, firewall) }
    }

    static func inRouter<T>(_ topology: BridgeTopology, _ body: (NFTablesSession) throws -> T) throws -> T {
        try NetworkNamespace(path: topology.router.path).run { try body(try NFTablesSession()) }
    }

    @Test func masqueradeAppliesToTrafficLeavingThePodNetworkOnly() throws {
        try Self.withFirewall { topology, firewall in
            try BridgeTopology.countUDP(in: topology.outside, sources: ["10.1.0.5", "192.168.77.1"])
            try BridgeTopology.countUDP(in: topology.podB, sources: ["10.1.0.5", "10.1.0.1"])

            // Without ipMasq the outside sees the pod's own address.
            try BridgeTopology.sendUDP(from: topology.podA, to: "192.168.77.2")
            #expect(try BridgeTopology.counted(in: topology.outside, source: "10.1.0.5") == 3)

            try Self.inRouter(topology) { ctx in
                try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "br0")
                try firewall.addMasquerade(ctx, attachment: Self.podA, podAddresses: [try NFTPrefix("10.1.0.5/24")])
            }
            try BridgeTopology.sendUDP(from: topology.podA, to: "192.168.77.2", port: 9999, count: 2)
            #expect(try BridgeTopology.counted(in: topology.outside, source: "192.168.77.1") == 2)
            #expect(try BridgeTopology.counted(in: topology.outside, source: "10.1.0.5") == 3)

            // Pod-to-pod keeps the sender's address.
            try BridgeTopology.sendUDP(from: topology.podA, to: "10.1.0.6")
            #expect(try BridgeTopology.counted(in: topology.podB, source: "10.1.0.5") == 3)
            #expect(try BridgeTopology.counted(in: topology.podB, source: "10.1.0.1") == 0)

            // After DEL a new flow (a new socket, so a new source port) is no longer masqueraded.
            try Self.inRouter(topology) { ctx in _ = try firewall.remove(ctx, attachment: Self.podA) }
            #expect(try NFTRulesetReader(namespace: topology.router.name).tables.isEmpty)
            try BridgeTopology.sendUDP(from: topology.podA, to: "192.168.77.2", port: 9999, count: 1)
            #expect(try BridgeTopology.counted(in: topology.outside, source: "10.1.0.5") == 4)
            #expect(try BridgeTopology.counted(in: topology.outside, source: "192.168.77.1") == 2)
        }
    }

    @Test func ipv6MasqueradeLeavesThePodNetworkOnly() throws {
        try Self.withFirewall { topology, firewall in
            try BridgeTopology.countUDP(in: topology.outside, sources: ["fd00:1::5", "fd00:77::1"])
            try BridgeTopology.countUDP(in: topology.podB, sources: ["fd00:1::5", "fd00:1::1"])
            try Self.inRouter(topology) { ctx in
                try firewall.ensureAttachment(
                    ctx, attachment: Self.podA, forwardAcceptBridge: "br0",
                    masquerade: [try NFTPrefix("10.1.0.5/24"), try NFTPrefix("fd00:1::5/64")])
            }
            try BridgeTopology.sendUDP(from: topology.podA, to: "fd00:77::2")
            #expect(try BridgeTopology.counted(in: topology.outside, source: "fd00:77::1") == 3)
            #expect(try BridgeTopology.counted(in: topology.outside, source: "fd00:1::5") == 0)
            try BridgeTopology.sendUDP(from: topology.podA, to: "fd00:1::6")
            #expect(try BridgeTopology.counted(in: topology.podB, source: "fd00:1::5") == 3)
            #expect(try BridgeTopology.counted(in: topology.podB, source: "fd00:1::1") == 0)
        }
    }

    @Test func macSpoofCheckDropsFramesWithAnotherSourceMAC() throws {
        try Self.withFirewall { topology, firewall in
            try BridgeTopology.countUDP(in: topology.podB, sources: ["10.1.0.5"])
            try Self.inRouter(topology) { ctx in
                try firewall.addMacSpoofCheck(ctx, attachment: Self.podA, hostInterface: "vA", mac: BridgeTopology.macA)
            }
            // With its own MAC the pod reaches its neighbour.
            try BridgeTopology.sendUDP(from: topology.podA, to: "10.1.0.6")
            #expect(try BridgeTopology.counted(in: topology.podB, source: "10.1.0.5") == 3)
            let spoofRule = { () throws -> NFTRulesetReader.Rule? in
                try NFTRulesetReader(namespace: topology.router.name).rules(table: "bridge swcni_spoof", chain: "prerouting").first
            }
            #expect(try spoofRule()?.packets == 0)

            // With a forged MAC, its frames are dropped at the bridge port.
            try topology.podA.run(["ip", "neigh", "flush", "dev", "eth0"])
            try topology.podA.run(["ip", "link", "set", "eth0", "address", "0a:58:0a:01:00:99"])
            try BridgeTopology.sendUDP(from: topology.podA, to: "10.1.0.6")
            #expect(try BridgeTopology.counted(in: topology.podB, source: "10.1.0.5") == 3)
            #expect((try spoofRule()?.packets ?? 0) > 0)
        }
    }

    @Test func anotherTablesDropPolicyStillWinsOverOurAccept() throws {
        try Self.withFirewall { topology, firewall in
            try BridgeTopology.countUDP(in: topology.outside, sources: ["10.1.0.5"])
            try Self.inRouter(topology) { ctx in
                try firewall.ensureForwardAccept(ctx, attachment: Self.podA, bridge: "br0")
            }
            try BridgeTopology.sendUDP(from: topology.podA, to: "192.168.77.2")
            #expect(try BridgeTopology.counted(in: topology.outside, source: "10.1.0.5") == 3)
            // A foreign firewall table in the router namespace (created by this test).
            let foreign = "table inet otherfw {\n chain forward {\n  type filter hook forward priority 10; policy drop;\n }\n}\n"
            try BridgeTopology.load(foreign, in: topology.router)
            try BridgeTopology.sendUDP(from: topology.podA, to: "192.168.77.2")
            #expect(try BridgeTopology.counted(in: topology.outside, source: "10.1.0.5") == 3)
        }
    }
}
