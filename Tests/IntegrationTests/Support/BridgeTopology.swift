import Foundation

/// A small routed bridge topology in namespaces created for one test:
///
///     podA (10.1.0.5/24, eth0) ─┐
///                               ├─ br0 10.1.0.1/24 [router] up0 192.168.77.1/24 ── outside (192.168.77.2/24)
///     podB (10.1.0.6/24, eth0) ─┘
///
/// The router forwards; `outside` has no route back to 10.1.0.0/24. Host-side veths are
/// `vA` and `vB`. Everything is deleted with the namespaces.
final class BridgeTopology {
    let router: TestNamespace
    let podA: TestNamespace
    let podB: TestNamespace
    let outside: TestNamespace
    static let macA = "0a:58:0a:01:00:05"

    init(_ namespaces: [TestNamespace]) throws {
        (router, podA, podB, outside) = (namespaces[0], namespaces[1], namespaces[2], namespaces[3])
        let r = router.name
        try Shell.must(["ip", "-n", r, "link", "add", "br0", "type", "bridge"])
        try Shell.must(["ip", "-n", r, "addr", "add", "10.1.0.1/24", "dev", "br0"])
        try Shell.must(["ip", "-n", r, "link", "set", "br0", "up"])
        try Shell.must(["ip", "-n", r, "link", "set", "lo", "up"])
        for (pod, host, address) in [(podA, "vA", "10.1.0.5/24"), (podB, "vB", "10.1.0.6/24")] {
            try Shell.must(["ip", "-n", r, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", pod.name])
            try Shell.must(["ip", "-n", r, "link", "set", host, "master", "br0", "up"])
            try Shell.must(["ip", "-n", pod.name, "link", "set", "lo", "up"])
            try Shell.must(["ip", "-n", pod.name, "addr", "add", address, "dev", "eth0"])
            try Shell.must(["ip", "-n", pod.name, "link", "set", "eth0", "up"])
            try Shell.must(["ip", "-n", pod.name, "route", "add", "default", "via", "10.1.0.1"])
        }
        try Shell.must(["ip", "-n", podA.name, "link", "set", "eth0", "address", Self.macA])
        try Shell.must(["ip", "-n", r, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.name])
        try Shell.must(["ip", "-n", r, "addr", "add", "192.168.77.1/24", "dev", "up0"])
        try Shell.must(["ip", "-n", r, "link", "set", "up0", "up"])
        try Shell.must(["ip", "-n", outside.name, "addr", "add", "192.168.77.2/24", "dev", "eth0"])
        try Shell.must(["ip", "-n", outside.name, "link", "set", "eth0", "up"])
        try router.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    }

    static func with(_ body: (BridgeTopology) throws -> Void) throws {
        try TestNamespace.with(4) { try body(try BridgeTopology($0)) }
    }

    /// Sends `count` UDP datagrams from `ns` to `destination`:`port`.
    static func sendUDP(from ns: TestNamespace, to destination: String, port: Int = 9999, count: Int = 3) throws {
        let script = """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for _ in range(\(count)):
                try:
                    s.sendto(b"swcni", ("\(destination)", \(port)))
                except OSError:
                    pass
                time.sleep(0.05)
            """
        try ns.run(["python3", "-c", script])
    }

    /// Installs, in `ns` (a test namespace), a table counting incoming UDP to `port` per source.
    static func countUDP(in ns: TestNamespace, sources: [String], port: Int = 9999) throws {
        var text = "table inet observe {\n chain input { type filter hook input priority 0; policy accept;\n"
        for source in sources { text += "  ip saddr \(source) udp dport \(port) counter comment \"\(source)\"\n" }
        text += " }\n}\n"
        try load(text, in: ns)
    }

    /// Loads nft text into a test namespace; throws with nft's error when it is refused.
    static func load(_ text: String, in ns: TestNamespace) throws {
        let output = try Shell.run(["ip", "netns", "exec", ns.name, "nft", "-f", "-"], stdin: Data(text.utf8))
        guard output.status == 0 else { throw ShellError(command: "nft -f - <<< \(text)", output: output) }
    }

    /// Packets counted by `countUDP` for `source`.
    static func counted(in ns: TestNamespace, source: String) throws -> Int {
        let rules = try NFTRulesetReader(namespace: ns.name).rules(table: "inet observe", chain: "input")
        return rules.first { $0.comment == source }?.packets ?? -1
    }
}
