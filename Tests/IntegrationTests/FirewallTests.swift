import Foundation
import Testing

/// firewall chained after our bridge + host-local in a "node" namespace (see `PortMapLab`
/// for the node, its pods and the client namespace on the uplink).
@Suite("firewall", .enabled(if: TestEnvironment.canRunNetNSTests))
struct FirewallTests {
    static func config(_ lab: PortMapLab, network: String? = nil, options: String = "", prevResult: String?, version: String = "1.0.0") -> String {
        var text = #"{"cniVersion":"\#(version)","name":"\#(network ?? lab.network)","type":"firewall""#
        if !options.isEmpty { text += "," + options }
        if let prevResult { text += #","prevResult":\#(prevResult)"# }
        return text + "}"
    }

    static func firewall(_ lab: PortMapLab, _ command: String, _ config: String, pod: TestNamespace?, id: String) throws -> PluginExec.Output {
        try lab.host.exec(command, config: config, container: pod, containerID: id, binary: TestEnvironment.binary("firewall"))
    }

    /// With iptables-nft's FORWARD policy drop (what Docker sets), pod traffic is dropped
    /// without the firewall plugin and flows with it; iptables can still read its chain; DEL
    /// without prevResult removes every rule again.
    @Test func podTrafficPassesAForeignForwardDropPolicy() throws {
        try PortMapLab.with { lab in
            try lab.host.host.run(["iptables", "-P", "FORWARD", "DROP"])
            try lab.client.run(["ip", "route", "add", "10.88.0.0/24", "via", PortMapLab.nodeV4])
            let (pod, result) = try lab.pod("fw")
            try PortMapLab.withServer(in: lab.client) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: pod, PortMapLab.clientV4, port: 80) == nil, "dropped without the firewall plugin")
                let config = Self.config(lab, prevResult: result)
                let add = try Self.firewall(lab, "ADD", config, pod: pod, id: "fw")
                #expect(add.status == 0 && add.json?["ips"] != nil, "ADD: \(add.summary)")
                #expect(try PortMapLab.tcpSourceSeen(from: pod, PortMapLab.clientV4, port: 80) == "10.88.0.2")
                #expect(try Self.firewall(lab, "CHECK", config, pod: pod, id: "fw").status == 0)
                let rules = try lab.host.host.run(["iptables", "-S", "FORWARD"])
                #expect(rules.contains("-A FORWARD -s 10.88.0.2/32"), "\(rules)")
                #expect(rules.contains("-A FORWARD -d 10.88.0.2/32 -m mark --mark 0x20000/0x20000"), "\(rules)")
                // New connections to the pod from outside stay subject to the node's policy.
                try PortMapLab.withServer(in: pod) { () throws in
                    #expect(try PortMapLab.tcpSourceSeen(from: lab.client, "10.88.0.2", port: 80) == nil)
                }
                let del = try Self.firewall(lab, "DEL", Self.config(lab, prevResult: nil), pod: pod, id: "fw")
                #expect(del.status == 0, "DEL: \(del.summary)")
                #expect(try PortMapLab.tcpSourceSeen(from: pod, PortMapLab.clientV4, port: 80) == nil, "dropped again after DEL")
            }
            #expect(!(try lab.host.host.run(["iptables", "-S", "FORWARD"]).contains("10.88.0.2")))
            let tables = try lab.host.host.run(["nft", "list", "tables"])
            #expect(!tables.contains("swcni_firewall"), "\(tables)")
            #expect(tables.contains("swcni_admin"), "the admin chain stays: \(tables)")
            #expect(try Self.firewall(lab, "DEL", Self.config(lab, prevResult: nil), pod: nil, id: "fw").status == 0)
        }
    }

    /// same-bridge: traffic between two isolating bridges is dropped, within a bridge it
    /// passes; isolated: within the bridge it is dropped too.
    @Test func ingressPolicySameBridgeAndIsolated() throws {
        try PortMapLab.with { lab in
            let (a1, r1) = try lab.pod("a1")
            let (a2, r2) = try lab.pod("a2")
            // A second bridge network on the same node.
            let otherNetwork = lab.network + "-b"
            let otherBridge = String(lab.host.bridge.prefix(13)) + "b"
            let otherConfig = #"{"cniVersion":"1.0.0","name":"\#(otherNetwork)","type":"bridge","bridge":"\#(otherBridge)","isGateway":true,"isDefaultGateway":true,"ipam":{"type":"host-local","dataDir":"\#(lab.host.dataDir)","ranges":[[{"subnet":"10.89.0.0/24"}]]}}"#
            let b1 = try lab.host.newContainer()
            let rb = try lab.host.exec("ADD", config: otherConfig, container: b1, containerID: "b1")
            #expect(rb.status == 0, "\(rb.summary)")
            let same = #""ingressPolicy":"same-bridge""#
            for (pod, id, result, network) in [(a1, "a1", r1, lab.network), (a2, "a2", r2, lab.network), (b1, "b1", rb.stdout, otherNetwork)] {
                let out = try Self.firewall(lab, "ADD", Self.config(lab, network: network, options: same, prevResult: result), pod: pod, id: id)
                #expect(out.status == 0, "ADD \(id): \(out.summary)")
            }
            try PortMapLab.withServer(in: b1) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: a1, "10.89.0.2", port: 80) == nil, "bridge to other isolating bridge")
            }
            try PortMapLab.withServer(in: a2) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: a1, "10.88.0.3", port: 80) == "10.88.0.2", "same bridge")
                #expect(try PortMapLab.tcpSourceSeen(from: b1, "10.88.0.3", port: 80) == nil, "other bridge to this one")
                #expect(try PortMapLab.tcpSourceSeen(from: lab.host.host, "10.88.0.3", port: 80) != nil, "the node itself")
            }
            // isolated: the same bridge is cut too.
            let isolated = #""ingressPolicy":"isolated""#
            for (pod, id, result) in [(a1, "a1", r1), (a2, "a2", r2)] {
                let out = try Self.firewall(lab, "ADD", Self.config(lab, options: isolated, prevResult: result), pod: pod, id: id)
                #expect(out.status == 0, "ADD \(id): \(out.summary)")
            }
            try PortMapLab.withServer(in: a2) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: a1, "10.88.0.3", port: 80) == nil, "isolated: same bridge dropped")
            }
            // GC of the first network with no valid attachment leaves the other network's rules.
            let gc = try lab.host.exec(
                "GC", config: String(Self.config(lab, prevResult: nil, version: "1.1.0").dropLast()) + #","cni.dev/valid-attachments":[]}"#,
                container: nil, binary: TestEnvironment.binary("firewall"))
            #expect(gc.status == 0, "GC: \(gc.summary)")
            let table = try lab.host.host.run(["nft", "list", "table", "inet", "swcni_firewall"])
            #expect(!table.contains("10.88.0.") && table.contains("10.89.0.2"), "\(table)")
            try PortMapLab.withServer(in: a2) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: a1, "10.88.0.3", port: 80) == "10.88.0.2", "isolation gone with GC")
            }
            #expect(try Self.firewall(lab, "DEL", Self.config(lab, network: otherNetwork, prevResult: nil), pod: b1, id: "b1").status == 0)
            #expect(!(try lab.host.host.run(["nft", "list", "tables"]).contains("swcni_firewall")))
        }
    }

    @Test func badInputIsRefusedAndLeavesNothing() throws {
        try PortMapLab.with { lab in
            let (pod, result) = try lab.pod("bad")
            let cases: [(options: String, prev: String?, version: String, code: Int)] = [
                (#""backend":"firewalld""#, result, "1.0.0", 2),
                (#""backend":"pf""#, result, "1.0.0", 7),
                (#""ingressPolicy":"closed""#, result, "1.0.0", 7),
                (#""iptablesAdminChainName":"bad name""#, result, "1.0.0", 7),
                ("", nil, "1.0.0", 7),
                ("", result, "0.3.1", 1),
            ]
            for c in cases {
                let out = try Self.firewall(lab, "ADD", Self.config(lab, options: c.options, prevResult: c.prev, version: c.version), pod: pod, id: "bad")
                #expect(out.status != 0 && out.code == c.code, "\(c.options) \(c.version): \(out.summary)")
                let tables = try lab.host.host.run(["nft", "list", "tables"])
                #expect(!tables.contains("swcni_firewall") && !tables.contains("swcni_admin"), "\(tables)")
            }
        }
    }
}
