import Foundation
import Testing

/// Debian's podman (CNI backend) with only our plugins: its default conflist, containers on
/// one or two networks, a static IP, and nothing left after `podman rm`. No published ports
/// here (see PodmanPortMapTests); podman's default conflist still chains portmap, firewall
/// and tuning for every container.
@Suite("podman networks", .serialized, .enabled(if: TestEnvironment.canRunNetNSTests))
struct PodmanNetworkTests {
    @Test func networkCreateWritesPodmansDefaultConflist() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let conflist = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: network.conflistPath))) as? [String: Any]
            let plugins = conflist?["plugins"] as? [[String: Any]] ?? []
            #expect(plugins.map { $0["type"] as? String ?? "" } == ["bridge", "portmap", "firewall", "tuning"])
            #expect(conflist?["cniVersion"] as? String == "0.4.0")
            let bridge = plugins.first ?? [:]
            #expect(bridge["ipMasq"] as? Bool == true && bridge["hairpinMode"] as? Bool == true && bridge["isGateway"] as? Bool == true)
            #expect((bridge["ipam"] as? [String: Any])?["type"] as? String == "host-local")
            #expect(network.bridge.hasPrefix("cni-podman"))
            let listed = try lab.podman(["network", "ls", "--format", "{{.Name}}"])
            #expect(listed.split(separator: "\n").contains(Substring(network.name)))
        }
    }

    @Test func runGivesTheContainerAnAddressReachableFromTheHost() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let id = try lab.runServer("hello-run", extra: ["--network", network.name])
            let addresses = try lab.addresses(of: id, "eth0")
            #expect(addresses.count == 1)
            let address = try #require(addresses.first)
            #expect(address.hasPrefix(network.prefix + "."))
            #expect(PodmanLab.reservations(network) == [address])
            #expect(try PodmanLab.ports(of: network.bridge).count == 1)
            #expect(PodmanLab.fetchFromHost(address, 80) == "hello-run")
            let inspected = try lab.podman(["inspect", id, "--format", "{{(index .NetworkSettings.Networks \"\(network.name)\").IPAddress}}"])
            #expect(inspected == address)
        }
    }

    @Test func staticIPIsAssigned() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let wanted = "\(network.prefix).77"
            let id = try lab.runServer("hello-ip", extra: ["--network", network.name, "--ip", wanted])
            #expect(try lab.addresses(of: id, "eth0") == [wanted])
            #expect(PodmanLab.reservations(network) == [wanted])
            #expect(PodmanLab.fetchFromHost(wanted, 80) == "hello-ip")
            // A second container asking for the same address is refused, the first keeps it.
            let clash = try lab.run(
                ["run", "-d", "--network", network.name, "--ip", wanted, PodmanLab.image, "sleep", "30"])
            #expect(clash.status != 0)
            #expect(PodmanLab.reservations(network) == [wanted])
            #expect(try PodmanLab.ports(of: network.bridge).count == 1)
        }
    }

    @Test func oneContainerOnTwoNetworks() throws {
        try PodmanLab.with { lab in
            let first = try lab.createNetwork()
            let second = try lab.createNetwork()
            #expect(first.bridge != second.bridge)
            let id = try lab.runServer("hello-two", extra: ["--network", "\(first.name),\(second.name)"])
            let all = try lab.addresses(of: id, "eth0") + lab.addresses(of: id, "eth1")
            let a = all.filter { $0.hasPrefix(first.prefix + ".") }
            let b = all.filter { $0.hasPrefix(second.prefix + ".") }
            #expect(all.count == 2 && a.count == 1 && b.count == 1, "\(all)")
            #expect(PodmanLab.reservations(first) == a)
            #expect(PodmanLab.reservations(second) == b)
            #expect(try PodmanLab.ports(of: first.bridge).count == 1)
            #expect(try PodmanLab.ports(of: second.bridge).count == 1)
            for address in a + b {
                #expect(PodmanLab.fetchFromHost(address, 80) == "hello-two", "through \(address)")
            }
            try lab.podman(["rm", "-f", "-t", "0", id])
            #expect(PodmanLab.reservations(first).isEmpty && PodmanLab.reservations(second).isEmpty)
            #expect(try PodmanLab.ports(of: first.bridge).isEmpty && PodmanLab.ports(of: second.bridge).isEmpty)
        }
    }

    @Test func rmLeavesNothingBehind() throws {
        try PodmanLab.with { lab in
            let network = try lab.createNetwork()
            let id = try lab.runServer("hello-rm", extra: ["--network", network.name])
            let address = try #require(try lab.addresses(of: id, "eth0").first)
            let veths = try PodmanLab.ports(of: network.bridge)
            #expect(veths.count == 1)
            #expect(PodmanLab.fetchFromHost(address, 80) == "hello-rm")
            // Our rules while it runs: the firewall accepts its address.
            #expect(try PodmanLab.ruleset().contains("\"\(address)\""))
            try lab.podman(["rm", "-f", "-t", "0", id])
            try expectNothingLeft(id: id, address: address, veths: veths, network: network)
        }
    }
}

/// After `podman rm`: no host veth, no nftables rule or element naming the container or its
/// address, no host-local reservation, and with a published port, no conntrack entry for that
/// port or to and from the address.
func expectNothingLeft(
    id: String, address: String, veths: [String], network: PodmanLab.Network, hostPort: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(try PodmanLab.ports(of: network.bridge).isEmpty, sourceLocation: sourceLocation)
    for veth in veths {
        #expect(try Shell.run(["ip", "link", "show", "dev", veth]).status != 0, "veth \(veth) left", sourceLocation: sourceLocation)
    }
    let ruleset = try PodmanLab.ruleset()
    #expect(!ruleset.contains(String(id.prefix(24))), "a rule tagged with the container", sourceLocation: sourceLocation)
    #expect(!ruleset.contains("\"\(address)\""), "a rule or element with \(address)", sourceLocation: sourceLocation)
    #expect(PodmanLab.reservations(network).isEmpty, sourceLocation: sourceLocation)
    if let hostPort {
        #expect(try PodmanLab.conntrackEntries(port: hostPort) == [], sourceLocation: sourceLocation)
        #expect(try PodmanLab.conntrackEntries(address: address) == [], sourceLocation: sourceLocation)
    }
}
