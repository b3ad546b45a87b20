import Foundation
import Testing

/// `podman run -p HOST:CONTAINER` with only our plugins (portmap and firewall from podman's
/// default conflist): the port answers from the host, from another container and from the
/// container itself (hairpin); `podman network reload` keeps it working without duplicating
/// rules; `podman rm` leaves no veth, rule, reservation or conntrack entry.
@Suite("podman published ports", .serialized, .enabled(if: TestEnvironment.canRunNetNSTests))
struct PodmanPortMapTests {
    @Test func publishedPortAnswersFromHostOtherContainerAndItself() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let port = try PodmanLab.freeHostPort()
            let id = try lab.runServer("hello-port", extra: ["--network", network.name, "-p", "\(port):80"])
            // From the host: to the bridge's address (the test made it) and to localhost.
            #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-port", "host -> \(network.gateway):\(port)")
            #expect(PodmanLab.fetchFromHost("127.0.0.1", port) == "hello-port", "host -> 127.0.0.1:\(port)")
            // From another container on the same network.
            #expect(try lab.fetchFromNewContainer(on: network, network.gateway, port) == "hello-port", "other container")
            // Hairpin: the container through its own published port.
            #expect(try lab.fetch(from: id, network.gateway, port) == "hello-port", "hairpin")
        }
    }

    @Test func networkReloadKeepsAddressPortAndRules() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let port = try PodmanLab.freeHostPort()
            let id = try lab.runServer("hello-reload", extra: ["--network", network.name, "-p", "\(port):80"])
            let address = try #require(try lab.addresses(of: id, "eth0").first)
            #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-reload")
            let before = try taggedRules(id)
            #expect(!before.isEmpty, "no rule of ours names the container")
            try lab.podman(["network", "reload", id])
            #expect(try lab.addresses(of: id, "eth0") == [address])
            #expect(PodmanLab.reservations(network) == [address])
            #expect(try PodmanLab.ports(of: network.bridge).count == 1)
            #expect(try taggedRules(id).count == before.count, "reload must not duplicate or lose rules")
            #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-reload", "after reload")
            #expect(try lab.fetch(from: id, network.gateway, port) == "hello-reload", "hairpin after reload")
        }
    }

    @Test func rmAfterPublishedPortLeavesNothing() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let port = try PodmanLab.freeHostPort()
            let id = try lab.runServer("hello-rmport", extra: ["--network", network.name, "-p", "\(port):80"])
            let address = try #require(try lab.addresses(of: id, "eth0").first)
            let veths = try PodmanLab.ports(of: network.bridge)
            #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-rmport")
            #expect(try !PodmanLab.conntrackEntries(port: port).isEmpty, "the request left no conntrack entry to observe")
            #expect(try !taggedRules(id).isEmpty)
            try lab.podman(["rm", "-f", "-t", "0", id])
            try expectNothingLeft(id: id, address: address, veths: veths, network: network, hostPort: port)
        }
    }

    /// Comments of our nftables rules that name the container (the readable tail of a rule
    /// tag holds `<network>/<container ID>/<ifname>`, truncated).
    private func taggedRules(_ id: String) throws -> [String] {
        let root = try JSONSerialization.jsonObject(with: Data(try PodmanLab.ruleset().utf8)) as? [String: Any]
        return (root?["nftables"] as? [[String: Any]] ?? []).compactMap { item in
            guard let rule = item["rule"] as? [String: Any], let comment = rule["comment"] as? String,
                comment.hasPrefix("swcni "), comment.contains(String(id.prefix(24)))
            else { return nil }
            return comment
        }
    }
}
