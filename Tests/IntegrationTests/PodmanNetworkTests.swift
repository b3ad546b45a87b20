import Foundation
import Testing

/// Debian's podman (CNI backend) with only our plugins installed: the acceptance of issue 12
/// for a real client. One serialized parent suite: podman picks bridge names per config
/// directory, so two labs must not create networks at the same time (`PodmanLab.lockPath`
/// covers other test processes).
@Suite(
    "podman with only our plugins", .serialized, .enabled(if: TestEnvironment.canRunNetNSTests),
    .enabled(if: PodmanLab.isInstalled, "podman is not installed (scripts/setup.sh installs it)"))
struct PodmanTests {}

extension PodmanTests {
    /// Its default conflist, containers on one or two networks, a static IP, and nothing left
    /// after `podman rm`. Podman's default conflist chains portmap, firewall and tuning after
    /// the bridge for every container, published port or not.
    @Suite("podman networks")
    struct Networks {
        @Test func networkCreateWritesPodmansDefaultConflistAndPodmanAcceptsIt() throws {
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
                // podman validates every conflist against the plugins it finds when it loads
                // them, and warns ("failed to find plugin", "does not support config version").
                let listed = try lab.run(["network", "ls", "--format", "{{.Name}}"])
                #expect(listed.status == 0)
                #expect(listed.stdout.split(separator: "\n").contains(Substring(network.name)))
                #expect(!listed.stderr.contains(network.name), "podman warns about the network: \(listed.stderr)")
                let inspected = try lab.podman(["network", "inspect", network.name, "--format", "{{.NetworkInterface}} {{range .Subnets}}{{.Subnet}}{{end}}"])
                #expect(inspected == "\(network.bridge) \(network.subnet)")
            }
        }

        @Test func runGivesTheContainerAnAddressReachableFromTheHost() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let id = try lab.runServer("hello-run", extra: ["--network", network.name])
                let addresses = try lab.addresses(of: id, "eth0")
                #expect(addresses.count == 1)
                let address = try #require(addresses.first)
                #expect(address.hasPrefix(network.prefix + ".") && address != network.gateway)
                #expect(PodmanLab.reservations(network) == [address])
                #expect(try PodmanLab.ports(of: network.bridge).count == 1)
                #expect(PodmanLab.fetchFromHost(address, 80) == "hello-run")
                let inspected = try lab.podman(["inspect", id, "--format", "{{(index .NetworkSettings.Networks \"\(network.name)\").IPAddress}}"])
                #expect(inspected == address)
                // The chain's rules for it: the bridge's masquerade and the firewall's accepts.
                let tables = Set(try PodmanLab.rules(of: id, on: network).map(\.table))
                #expect(tables.isSuperset(of: ["swcni_bridge", "swcni_firewall"]), "\(tables)")
            }
        }

        @Test func staticIPIsAssignedAndAClashIsRefused() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let wanted = "\(network.prefix).77"
                let id = try lab.runServer("hello-ip", extra: ["--network", network.name, "--ip", wanted])
                #expect(try lab.addresses(of: id, "eth0") == [wanted])
                #expect(PodmanLab.reservations(network) == [wanted])
                #expect(PodmanLab.fetchFromHost(wanted, 80) == "hello-ip")
                // A second container asking for the same address is refused (host-local: the
                // address is reserved), leaves nothing, and the first keeps its address.
                let veths = try PodmanLab.ports(of: network.bridge)
                let clash = try lab.run(["run", "-d", "--network", network.name, "--ip", wanted, PodmanLab.image, "sleep", "30"])
                #expect(clash.status != 0)
                #expect(clash.stderr.contains(wanted), "podman's error names the address: \(clash.stderr)")
                #expect(PodmanLab.reservations(network) == [wanted])
                #expect(try PodmanLab.ports(of: network.bridge) == veths)
                #expect(PodmanLab.fetchFromHost(wanted, 80) == "hello-ip")
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
                let footprints = [try lab.footprint(of: id, on: first), try lab.footprint(of: id, on: second)]
                for footprint in footprints { #expect(!footprint.rules.isEmpty, "no rule names it on \(footprint.network.name)") }
                try lab.podman(["rm", "-f", "-t", "0", id])
                for footprint in footprints { try expectNothingLeft(footprint) }
            }
        }

        /// podman never sends GC: a removed network's forward accepts (kept while its bridge
        /// exists, for the network's next container) go at the next DEL on the machine once
        /// `podman network rm` has deleted the bridge.
        @Test func networkRmThenTheNextDelRemovesTheNetworksRules() throws {
            try PodmanLab.with { lab in
                let removed = try lab.createNetwork()
                let kept = try lab.createNetwork()
                let first = try lab.podman(["run", "-d", "--network", removed.name, PodmanLab.image, "sleep", "600"])
                try lab.podman(["rm", "-f", "-t", "0", first])
                let networkRules = try PodmanLab.taggedRules().filter { $0.comment.hasSuffix(" \(removed.name)") }
                #expect(!networkRules.isEmpty, "the network keeps its rules while its bridge exists")
                try lab.podman(["network", "rm", removed.name])
                #expect(!PodmanLab.linkExists(removed.bridge), "podman network rm deletes the bridge")
                let second = try lab.podman(["run", "-d", "--network", kept.name, PodmanLab.image, "sleep", "600"])
                try lab.podman(["rm", "-f", "-t", "0", second])
                let left = try PodmanLab.taggedRules().filter { $0.comment.hasSuffix(" \(removed.name)") }
                #expect(left.isEmpty, "rules of the removed network: \(left.map(\.comment))")
                // Nor any other rule of this test run naming the bridge (rules left on this
                // machine by others may name an earlier bridge of the same name).
                let naming = try Shell.must(["nft", "list", "ruleset"]).split(separator: "\n").filter {
                    $0.contains("\"\(removed.bridge)\"") && $0.contains("swpod-\(TestEnvironment.runID)-")
                }
                #expect(naming.isEmpty, "rules name the deleted bridge: \(naming)")
            }
        }

        @Test func rmLeavesNothingBehind() throws {
            try PodmanLab.with { lab in
                let network = try lab.createNetwork()
                let id = try lab.runServer("hello-rm", extra: ["--network", network.name])
                let footprint = try lab.footprint(of: id, on: network)
                #expect(footprint.veths.count == 1)
                #expect(!footprint.rules.isEmpty)
                #expect(PodmanLab.fetchFromHost(footprint.address, 80) == "hello-rm")
                // The request is tracked: what rm has to leave behind is there to see.
                #expect(try !PodmanLab.conntrackEntries(address: footprint.address).isEmpty)
                #expect(try PodmanLab.rulesetMentions(footprint.address))
                try lab.podman(["rm", "-f", "-t", "0", id])
                try expectNothingLeft(footprint)
            }
        }
    }
}
