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

    /// The namespace's path is gone but a process still holds the namespace (so its veth
    /// lives on): DEL finds the host end by its alias and removes the pair.
    @Test func delWhenTheNamespacePathIsGoneButTheNamespaceLives() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil))
            let c = try h.newContainer()
            try h.add(config, container: c)
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            holder.arguments = ["netns", "exec", c.name, "sleep", "20"]
            try holder.run()
            defer {
                kill(holder.processIdentifier, SIGKILL)
                holder.waitUntilExit()
            }
            Thread.sleep(forTimeInterval: 0.2)
            let path = c.path
            c.remove()
            #expect(try h.hostVeths().count == 1, "the namespace lives on, held by a process")
            let del = try h.exec("DEL", config: config, container: nil, netns: path)
            #expect(del.status == 0, "DEL: \(del.summary)")
            #expect(try h.hostVeths().isEmpty, "the host end was found by its alias and deleted")
            #expect(try h.reservations().isEmpty)
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
            try h.expectOnlyNetworkForwardAccepts()
            #expect(try h.hostVeths().isEmpty)
        }
    }
}

/// ADD announces the pod's addresses: a gratuitous ARP and an unsolicited neighbour
/// advertisement reach the bridge (captured with a packet socket in the host namespace).
@Suite("bridge announcements", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeAnnouncementTests {
    static let sniffer = #"""
        import socket, struct, sys, time
        ifname, v4, v6, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((ifname, 0)); s.settimeout(0.1)
        print("ready", flush=True)
        want4 = socket.inet_aton(v4); want6 = socket.inet_pton(socket.AF_INET6, v6)
        seen = set(); end = time.time() + timeout
        while time.time() < end and len(seen) < 2:
            try: f = s.recv(2048)
            except socket.timeout: continue
            et = struct.unpack('!H', f[12:14])[0]
            if et == 0x0806 and f[28:32] == want4 and f[38:42] == want4: seen.add('garp')
            if et == 0x86dd and f[20] == 58 and f[54] == 136 and f[62:78] == want6: seen.add('una')
        print(' '.join(sorted(seen)), flush=True)
        """#

    @Test func addSendsGratuitousARPAndUnsolicitedNA() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true"#, ipam: h.ipam())
            try h.add(config, container: try h.newContainer(), containerID: "first")  // the bridge exists now
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", h.host.name, "python3", "-c", Self.sniffer, h.bridge, "10.88.0.3", "fd88::3", "4"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            // Wait for "ready" so the capture is open before the ADD.
            var text = ""
            let handle = pipe.fileHandleForReading
            while !text.contains("ready\n") {
                let data = handle.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            try h.add(config, container: try h.newContainer(), containerID: "second")
            text += String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(text.contains("garp"), "gratuitous ARP for 10.88.0.3: \(text)")
            #expect(text.contains("una"), "unsolicited NA for fd88::3: \(text)")
        }
    }
}
