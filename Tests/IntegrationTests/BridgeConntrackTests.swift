import Foundation
import Testing

/// bridge DEL deletes the host's conntrack entries of the container's addresses (found on its
/// interface, and in prevResult), in both directions and families, and only while the
/// attachment's interface is still there: a repeated DEL leaves the entries of whoever holds
/// the address by then. Found by the podman acceptance test (TIME_WAIT entries of a published
/// port outlived `podman rm`); the reference leaves them all.
@Suite("bridge DEL and conntrack", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeConntrackTests {
    /// Entries of the host namespace (both families) that mention `address` anywhere.
    static func entries(_ h: BridgeTestHost, mentioning address: String) throws -> [String] {
        let v4 = try Shell.run(["ip", "netns", "exec", h.host.name, "conntrack", "-L", "-f", "ipv4"]).stdout
        let v6 = try Shell.run(["ip", "netns", "exec", h.host.name, "conntrack", "-L", "-f", "ipv6"]).stdout
        return (v4 + v6).split(separator: "\n").map(String.init).filter {
            $0.contains("src=\(address) ") || $0.contains("dst=\(address) ")
        }
    }

    /// `conntrack -I` of a UDP flow in the host namespace (`reply` overrides the reply source,
    /// as a DNAT to the container shows it).
    static func insert(_ h: BridgeTestHost, from source: String, to destination: String, replyFrom reply: String? = nil, port: Int) throws {
        var arguments = ["conntrack", "-I", "-p", "udp", "-s", source, "-d", destination, "--sport", "40000", "--dport", String(port), "--timeout", "120"]
        if let reply { arguments += ["-r", reply, "-q", source, "--reply-port-src", "80", "--reply-port-dst", "40000"] }
        try Shell.must(["ip", "netns", "exec", h.host.name] + arguments)
    }

    @Test func delDeletesTheContainersEntriesAndOnlyThose() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true,"ipMasq":true"#, ipam: h.ipam())
            let pod = try h.newContainer()
            let added = try h.add(config, container: pod, containerID: "ct-pod")
            let addresses = try h.addressList(pod, "eth0").map { String($0.split(separator: "/")[0]) }
            let v4 = try #require(addresses.first { !$0.contains(":") })
            let v6 = try #require(addresses.first { $0.contains(":") })
            let other = try h.newContainer()
            try h.add(config, container: other, containerID: "ct-other")
            let otherV4 = try #require(try h.addressList(other, "eth0").first { !$0.contains(":") }.map { String($0.split(separator: "/")[0]) })

            // Real flows: the host pings the pod (its entry: original destination = pod).
            try h.host.run(["ping", "-c", "1", "-W", "2", v4])
            // The pod as source, as reply source (a DNAT from 10.99.0.9:8080), in IPv6; and
            // a flow of the other pod that must stay.
            try Self.insert(h, from: v4, to: "10.88.0.1", port: 53)
            try Self.insert(h, from: "10.99.0.9", to: "10.88.0.1", replyFrom: v4, port: 8080)
            try Self.insert(h, from: v6, to: "fd88::1", port: 53)
            try Self.insert(h, from: otherV4, to: "10.88.0.1", port: 53)
            let before = try Self.entries(h, mentioning: v4)
            #expect(before.count == 3, "\(before)")
            #expect(try Self.entries(h, mentioning: v6).count == 1)

            // DEL with prevResult, as podman and containerd send it.
            let prev = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let delConfig = h.config(#""isGateway":true,"ipMasq":true"#, ipam: h.ipam(), prevResult: prev)
            let del = try h.exec("DEL", config: delConfig, container: pod, containerID: "ct-pod")
            #expect(del.status == 0, "DEL: \(del.summary)")
            #expect(try Self.entries(h, mentioning: v4) == [])
            #expect(try Self.entries(h, mentioning: v6) == [])
            #expect(try Self.entries(h, mentioning: otherV4).count == 1, "another pod's flow was deleted")

            // A repeated DEL (the runtime retries) finds no interface: entries of the address,
            // which may belong to a new pod by now, stay.
            try Self.insert(h, from: v4, to: "10.88.0.1", port: 5353)
            let again = try h.exec("DEL", config: delConfig, container: pod, containerID: "ct-pod")
            #expect(again.status == 0, "second DEL: \(again.summary)")
            #expect(try Self.entries(h, mentioning: v4).count == 1, "a repeated DEL deleted entries of a released address")
        }
    }

    /// The namespace is gone (no `CNI_NETNS`): the host end found by its alias proves the
    /// attachment was still there, and prevResult names the addresses.
    @Test func delWithoutNetnsUsesPrevResult() throws {
        try BridgeTestHost.with { h in
            let config = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil))
            let pod = try h.newContainer()
            let added = try h.add(config, container: pod, containerID: "ct-gone")
            let v4 = try #require(try h.addressList(pod, "eth0").first.map { String($0.split(separator: "/")[0]) })
            try Self.insert(h, from: v4, to: "10.88.0.1", port: 53)
            let prev = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let delConfig = h.config(#""isGateway":true"#, ipam: h.ipam(v6: nil), prevResult: prev)
            let del = try h.exec("DEL", config: delConfig, container: nil, containerID: "ct-gone")
            #expect(del.status == 0, "DEL: \(del.summary)")
            #expect(try Self.entries(h, mentioning: v4) == [])
        }
    }
}
