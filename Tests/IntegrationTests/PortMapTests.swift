import Foundation
import Testing

/// portmap chained after our bridge + host-local, exec'd in a "node" namespace, with pods and
/// a "client" namespace on the node's uplink (see `PortMapLab`).
@Suite("portmap", .enabled(if: TestEnvironment.canRunNetNSTests))
struct PortMapTests {
    static let tcpMappings = #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.1"}]"#

    @Test func hostPortReachableFromOutsidePodsNodeLocalhostAndHairpin() throws {
        try PortMapLab.with { lab in
            let (pod, result) = try lab.pod("web")
            let (other, _) = try lab.pod("other")
            let config = lab.portmapConfig(mappings: Self.tcpMappings, prevResult: result)
            let add = try lab.portmap("ADD", config, pod: pod, id: "web")
            #expect(add.status == 0, "ADD: \(add.summary)")
            #expect(add.json?["ips"] != nil, "ADD prints prevResult: \(add.stdout)")
            try PortMapLab.withServer(in: pod) { () throws in
                // From outside: the client's own address is seen (no masquerade).
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV4, port: 8080) == PortMapLab.clientV4)
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV6, port: 8080, attempts: 3) == "fd00:77::2")
                // From the node itself, to its address and to localhost (IPv4, route_localnet + masquerade).
                #expect(try PortMapLab.tcpSourceSeen(from: lab.host.host, PortMapLab.nodeV4, port: 8080) == PortMapLab.nodeV4)
                #expect(try PortMapLab.tcpSourceSeen(from: lab.host.host, "127.0.0.1", port: 8080) == "10.88.0.1")
                // From another pod of the bridge: masqueraded to the gateway, so replies come back through the node.
                #expect(try PortMapLab.tcpSourceSeen(from: other, PortMapLab.nodeV4, port: 8080) == "10.88.0.1")
                #expect(try PortMapLab.tcpSourceSeen(from: other, PortMapLab.nodeV6, port: 8080, attempts: 3) == "fd88::1")
                // Hairpin: the pod reaches itself through the node's addresses, masqueraded.
                #expect(try PortMapLab.tcpSourceSeen(from: pod, PortMapLab.nodeV4, port: 8080) == "10.88.0.1")
                #expect(try PortMapLab.tcpSourceSeen(from: pod, PortMapLab.nodeV6, port: 8080, attempts: 3) == "fd88::1")
                // hostIP: 8081 only on 192.168.77.1, not on the node's other addresses.
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV4, port: 8081) == PortMapLab.clientV4)
                #expect(try PortMapLab.tcpSourceSeen(from: other, "10.88.0.1", port: 8081) == nil)
                #expect(try PortMapLab.tcpSourceSeen(from: other, "10.88.0.1", port: 8080) == "10.88.0.1")
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV6, port: 8081) == nil)
            }
            #expect(try lab.host.host.run(["sysctl", "-n", "net.ipv4.conf.\(lab.host.bridge).route_localnet"])
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1")

            // CHECK passes, and fails once a rule is deleted by hand.
            let check = try lab.portmap("CHECK", config, pod: pod, id: "web")
            #expect(check.status == 0, "CHECK: \(check.summary)")
            let table = try #require(try lab.portmapTable())
            let handle = try #require(Self.firstRuleHandle(table, chain: "prerouting"))
            try lab.host.host.run(["nft", "delete", "rule", "inet", "swcni_portmap", "prerouting", "handle", handle])
            let broken = try lab.portmap("CHECK", config, pod: pod, id: "web")
            #expect(broken.status != 0 && broken.code == 103, "CHECK after a hand deletion: \(broken.summary)")
            // ADD again repairs.
            #expect(try lab.portmap("ADD", config, pod: pod, id: "web").status == 0)
            #expect(try lab.portmap("CHECK", config, pod: pod, id: "web").status == 0)

            // DEL without prevResult nor mappings removes everything; a second DEL succeeds.
            let bare = lab.portmapConfig(mappings: nil, prevResult: nil)
            let del = try lab.portmap("DEL", bare, pod: pod, id: "web")
            #expect(del.status == 0 && del.stdout.isEmpty, "DEL: \(del.summary)")
            #expect(try lab.portmapTable() == nil, "the last attachment's DEL deletes the table")
            try PortMapLab.withServer(in: pod) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV4, port: 8080) == nil)
            }
            #expect(try lab.portmap("DEL", bare, pod: pod, id: "web").status == 0)
            #expect(try lab.portmap("DEL", bare, pod: nil, id: "web").status == 0, "DEL without a netns")
        }
    }

    /// A UDP flow that hit the node before the mapping existed has a conntrack entry without
    /// NAT; ADD deletes it, so the flow's next datagram is translated and reaches the pod.
    @Test func staleUDPConntrackEntryIsDeleted() throws {
        try PortMapLab.with { lab in
            let (pod, result) = try lab.pod("dns")
            let config = lab.portmapConfig(
                mappings: #"[{"hostPort":8053,"containerPort":80,"protocol":"udp"}]"#, prevResult: result)
            // Connection tracking is active on a real node before any pod (kube-proxy, ipMasq):
            // a table with a ct match turns it on in the node namespace, so the flow's first
            // datagrams leave an entry without NAT.
            try lab.host.host.run([
                "nft", "add table ip observe; add chain ip observe pre { type filter hook prerouting priority 0; };"
                    + " add rule ip observe pre ct state new counter",
            ])
            try PortMapLab.withServer(in: pod) { () throws in
                var addSummary = ""
                let replies = try PortMapLab.udpFlow(from: lab.client, PortMapLab.nodeV4, port: 8053) {
                    let add = try lab.portmap("ADD", config, pod: pod, id: "dns")
                    #expect(add.status == 0, "ADD: \(add.summary)")
                    addSummary = add.summary
                }
                let fresh = try PortMapLab.udpFlow(from: lab.client, PortMapLab.nodeV4, port: 8053, sourcePort: 40124, seconds: 1) {}
                #expect(fresh > 5, "a flow started after ADD is answered (\(fresh) replies)")
                #expect(addSummary.contains("deleted 1 stale UDP conntrack entries"), "\(addSummary)")
                #expect(replies > 5, "the flow started before ADD is answered by the pod after ADD (\(replies) replies; ADD: \(addSummary))")
            }
            #expect(try lab.portmap("DEL", config, pod: pod, id: "dns").status == 0)
        }
    }

    @Test func gcRemovesRulesOfUnlistedAttachmentsOnly() throws {
        try PortMapLab.with { lab in
            let (keep, keepResult) = try lab.pod("keep", version: "1.1.0")
            let (stale, staleResult) = try lab.pod("stale", version: "1.1.0")
            let keepConfig = lab.portmapConfig(
                mappings: #"[{"hostPort":8080,"containerPort":80}]"#, prevResult: keepResult, version: "1.1.0")
            let staleConfig = lab.portmapConfig(
                mappings: #"[{"hostPort":9090,"containerPort":80}]"#, prevResult: staleResult, version: "1.1.0")
            #expect(try lab.portmap("ADD", keepConfig, pod: keep, id: "keep").status == 0)
            #expect(try lab.portmap("ADD", staleConfig, pod: stale, id: "stale").status == 0)
            let gcConfig = String(lab.portmapConfig(mappings: nil, prevResult: nil, version: "1.1.0").dropLast())
                + #","cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]}"#
            let gc = try lab.host.exec("GC", config: gcConfig, container: nil, binary: TestEnvironment.binary("portmap"))
            #expect(gc.status == 0, "GC: \(gc.summary)")
            let table = try #require(try lab.portmapTable())
            #expect(table.contains("dport 8080") && !table.contains("dport 9090"), "\(table)")
            #expect(try lab.portmap("CHECK", keepConfig, pod: keep, id: "keep").status == 0)
            #expect(try lab.portmap("CHECK", staleConfig, pod: stale, id: "stale").code == 103)
            let gcAll = try lab.host.exec(
                "GC", config: String(gcConfig.prefix { $0 != "[" }) + "[]}", container: nil,
                binary: TestEnvironment.binary("portmap"))
            #expect(gcAll.status == 0, "GC: \(gcAll.summary)")
            #expect(try lab.portmapTable() == nil)
        }
    }

    @Test func badInputIsRefusedAndLeavesNothing() throws {
        try PortMapLab.with { lab in
            let (pod, result) = try lab.pod("bad")
            let cases: [(mappings: String?, options: String, prev: String?, code: Int)] = [
                (#"[{"hostPort":0,"containerPort":80}]"#, "", result, 7),
                (#"[{"hostPort":70000,"containerPort":80}]"#, "", result, 7),
                (#"[{"hostPort":8080,"containerPort":80,"protocol":"icmp"}]"#, "", result, 7),
                (#"[{"hostPort":8080,"containerPort":80,"hostIP":"nope"}]"#, "", result, 7),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""conditionsV4":["ip","frob","1.2.3.4"]"#, result, 7),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""conditionsV4":["ip saddr nonsense"]"#, result, 7),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""conditionsV6":["ip","saddr","1.2.3.4"]"#, result, 7),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""conditionsV4":["-s","1.2.3.4"]"#, result, 2),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""backend":"iptables""#, result, 2),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""externalSetMarkChain":"KUBE-MARK-MASQ""#, result, 2),
                (#"[{"hostPort":8080,"containerPort":80}]"#, #""markMasqBit":40"#, result, 7),
                (#"[{"hostPort":8080,"containerPort":80}]"#, "", nil, 7),
            ]
            for c in cases {
                let config = lab.portmapConfig(mappings: c.mappings, options: c.options, prevResult: c.prev)
                let out = try lab.portmap("ADD", config, pod: pod, id: "bad")
                #expect(out.status != 0 && out.code == c.code, "\(c.mappings ?? "") \(c.options): \(out.summary)")
                #expect((out.json?["msg"] as? String)?.isEmpty == false)
                #expect(try lab.portmapTable() == nil, "nothing left after \(c.options) \(c.mappings ?? "")")
            }
            // No mappings: prevResult passes through, nothing is written.
            let none = try lab.portmap("ADD", lab.portmapConfig(mappings: "[]", prevResult: result), pod: pod, id: "bad")
            #expect(none.status == 0 && none.json?["ips"] != nil, "\(none.summary)")
            #expect(try lab.portmapTable() == nil)
            // Every spec version is served, GC and STATUS included.
            let version = try lab.portmap("VERSION", "{}", pod: nil, id: "bad")
            #expect(version.stdout.contains("\"1.1.0\"") && version.stdout.contains("\"0.1.0\""), "\(version.summary)")
        }
    }

    /// Conditions restrict the mapping: a client excluded by conditionsV4 is not translated.
    @Test func conditionsRestrictTheMapping() throws {
        try PortMapLab.with { lab in
            let (pod, result) = try lab.pod("cond")
            let config = lab.portmapConfig(
                mappings: #"[{"hostPort":8080,"containerPort":80}]"#,
                options: #""conditionsV4":["ip","saddr","!=","192.168.77.0/24"]"#, prevResult: result)
            #expect(try lab.portmap("ADD", config, pod: pod, id: "cond").status == 0)
            try PortMapLab.withServer(in: pod) { () throws in
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV4, port: 8080) == nil)
                #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV6, port: 8080, attempts: 3) == "fd00:77::2")
                #expect(try PortMapLab.tcpSourceSeen(from: lab.host.host, "127.0.0.1", port: 8080) == "10.88.0.1")
            }
            #expect(try lab.portmap("DEL", config, pod: pod, id: "cond").status == 0)
            #expect(try lab.portmapTable() == nil)
        }
    }

    /// The reference portmap (iptables backend, cniVersion 1.0.0) and ours, same chain and
    /// mapping, each on its own node: both make the host port reachable from outside.
    @Test func sideBySideWithReference() throws {
        for binary in [TestEnvironment.binary("portmap"), TestEnvironment.reference("portmap")] {
            try PortMapLab.with { lab in
                let (pod, result) = try lab.pod("side")
                // The reference needs the protocol (ours defaults to tcp).
                let config = lab.portmapConfig(mappings: #"[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]"#, prevResult: result)
                let add = try lab.portmap("ADD", config, pod: pod, id: "side", binary: binary)
                #expect(add.status == 0, "\(binary) ADD: \(add.summary)")
                try PortMapLab.withServer(in: pod) { () throws in
                    #expect(try PortMapLab.tcpSourceSeen(from: lab.client, PortMapLab.nodeV4, port: 8080) == PortMapLab.clientV4, "\(binary)")
                    #expect(try PortMapLab.tcpSourceSeen(from: lab.host.host, "127.0.0.1", port: 8080) != nil, "\(binary)")
                }
                #expect(try lab.portmap("DEL", config, pod: pod, id: "side", binary: binary).status == 0)
            }
        }
    }

    static func firstRuleHandle(_ table: String, chain: String) -> String? {
        var inChain = false
        for line in table.split(separator: "\n") {
            if line.contains("chain \(chain) {") { inChain = true; continue }
            if inChain, line.contains("}") && !line.contains("comment") { return nil }
            if inChain, let range = line.range(of: "# handle ") { return String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
