import Foundation
import Testing

extension PodmanTests {
    /// `podman run -p HOST:CONTAINER` with only our plugins (portmap and firewall from podman's
    /// default conflist): the port answers from the host, from another container and from the
    /// container itself (hairpin); `podman network reload` puts back rules lost meanwhile;
    /// `podman rm` leaves no veth, rule, reservation or conntrack entry.
    @Suite("podman published ports")
    struct PublishedPorts {
        @Test func publishedPortAnswersFromHostOtherContainerAndItself() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let port = try PodmanLab.freeHostPort()
                let id = try lab.runServer("hello-port", extra: ["--network", network.name, "-p", "\(port):80"])
                // From the host: to the bridge's address (the test's own) and to localhost.
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-port", "host -> \(network.gateway):\(port)")
                #expect(PodmanLab.fetchFromHost("127.0.0.1", port) == "hello-port", "host -> 127.0.0.1:\(port)")
                // From another container on the same network.
                #expect(try lab.fetchFromNewContainer(on: network, network.gateway, port) == "hello-port", "other container")
                // Hairpin: the container through its own published port.
                #expect(try lab.fetch(from: id, network.gateway, port) == "hello-port", "hairpin")
                let portmapRules = try PodmanLab.rules(of: id, on: network).filter { $0.table == "swcni_portmap" }
                #expect(!portmapRules.isEmpty, "no portmap rule names the container")
            }
        }

        /// What `podman network reload` is for: the host's firewall was flushed (here: our
        /// rules for the container deleted by hand), reload runs the chain again and the
        /// same rules come back, once, with the same address.
        @Test func networkReloadRestoresLostRules() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let port = try PodmanLab.freeHostPort()
                let id = try lab.runServer("hello-reload", extra: ["--network", network.name, "-p", "\(port):80"])
                let address = try #require(try lab.addresses(of: id, "eth0").first)
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-reload")
                let before = try PodmanLab.rules(of: id, on: network)
                #expect(Set(before.map(\.table)).isSuperset(of: ["swcni_portmap", "swcni_firewall"]), "\(before.map(\.comment))")
                for rule in before { try PodmanLab.deleteRule(rule) }
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == nil, "answers without its DNAT rules")

                try lab.podman(["network", "reload", id])
                #expect(try lab.addresses(of: id, "eth0") == [address])
                #expect(PodmanLab.reservations(network) == [address])
                #expect(try PodmanLab.ports(of: network.bridge).count == 1)
                let after = try PodmanLab.rules(of: id, on: network)
                #expect(after.map(\.comment).sorted() == before.map(\.comment).sorted(), "reload must restore the same rules, once each")
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-reload", "after reload")
                #expect(try lab.fetch(from: id, network.gateway, port) == "hello-reload", "hairpin after reload")

                // A reload with every rule in place changes nothing.
                try lab.podman(["network", "reload", id])
                #expect(try PodmanLab.rules(of: id, on: network).map(\.comment).sorted() == before.map(\.comment).sorted())
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-reload", "after a second reload")
            }
        }

        @Test func rmAfterPublishedPortLeavesNothing() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let port = try PodmanLab.freeHostPort()
                let id = try lab.runServer("hello-rmport", extra: ["--network", network.name, "-p", "\(port):80"])
                let footprint = try lab.footprint(of: id, on: network, hostPort: port)
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == "hello-rmport")
                #expect(try lab.fetch(from: id, network.gateway, port) == "hello-rmport", "hairpin")
                // The requests are tracked: what rm has to leave behind is there to see.
                #expect(try !PodmanLab.conntrackEntries(port: port).isEmpty)
                #expect(try !PodmanLab.conntrackEntries(address: footprint.address).isEmpty)
                #expect(Set(footprint.rules.map(\.table)).isSuperset(of: ["swcni_portmap", "swcni_firewall", "swcni_bridge"]))
                try lab.podman(["rm", "-f", "-t", "0", id])
                try expectNothingLeft(footprint)
                #expect(PodmanLab.fetchFromHost(network.gateway, port) == nil, "the port still answers after rm")
            }
        }
    }
}
