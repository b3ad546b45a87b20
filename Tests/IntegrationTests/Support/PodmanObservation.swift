import Foundation
import Testing

/// What a podman container leaves on the host, observed with ip, nft and conntrack: its
/// host-side veths, host-local reservations, our nftables rules that name it, conntrack
/// entries of its address and published ports.
extension PodmanLab {
    /// Host interfaces enslaved to `bridge` (the containers' host-side veths).
    static func ports(of bridge: String) throws -> [String] {
        let links = try Shell.json(["ip", "-j", "link", "show", "master", bridge]) as? [[String: Any]] ?? []
        return links.compactMap { $0["ifname"] as? String }
    }

    static func linkExists(_ name: String) -> Bool {
        (try? Shell.run(["ip", "link", "show", "dev", name]))?.status == 0
    }

    /// host-local's reservation files for `network` (one per reserved address).
    static func reservations(_ network: Network) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "\(reservationDir)/\(network.name)")) ?? []
        return entries.filter { $0.hasPrefix(network.prefix + ".") }.sorted()
    }

    /// One rule of ours (comment `swcni a=<attachment> n=<network> h=<hash> <readable tail>`).
    struct TaggedRule: Hashable {
        var family: String
        var table: String
        var chain: String
        var handle: Int
        var comment: String
        /// `a=<16 hex digits>`: the attachment (network, container ID, ifname) it belongs to.
        var attachment: String { comment.split(separator: " ").first { $0.hasPrefix("a=") }.map(String.init) ?? "" }
    }

    /// The host's ruleset as `nft -j` text (observation only).
    static func ruleset() throws -> String { try Shell.must(["nft", "-j", "list", "ruleset"]) }

    /// All rules of ours in the host's ruleset.
    static func taggedRules() throws -> [TaggedRule] {
        let root = try JSONSerialization.jsonObject(with: Data(try ruleset().utf8)) as? [String: Any]
        return (root?["nftables"] as? [[String: Any]] ?? []).compactMap { item in
            guard let rule = item["rule"] as? [String: Any], let comment = rule["comment"] as? String, comment.hasPrefix("swcni "),
                let family = rule["family"] as? String, let table = rule["table"] as? String, let chain = rule["chain"] as? String,
                let handle = rule["handle"] as? Int
            else { return nil }
            return TaggedRule(family: family, table: table, chain: chain, handle: handle, comment: comment)
        }
    }

    /// Our rules whose readable tail names container `id` on `network` (the tail holds
    /// `<network>/<first 12 digits of the container ID>/<ifname>`).
    static func rules(of id: String, on network: Network) throws -> [TaggedRule] {
        try taggedRules().filter { $0.comment.contains(" \(network.name)/\(id.prefix(12))/") }
    }

    /// Deletes one of our rules by handle (JSON input: chain names such as `mark` are
    /// keywords of nft's command syntax).
    static func deleteRule(_ rule: TaggedRule) throws {
        let command = #"{"nftables":[{"delete":{"rule":{"family":"\#(rule.family)","table":"\#(rule.table)","chain":"\#(rule.chain)","handle":\#(rule.handle)}}}]}"#
        let out = try Shell.run(["nft", "-j", "-f", "-"], stdin: Data(command.utf8))
        guard out.status == 0 else { throw ShellError(command: "nft delete rule \(rule)", output: out) }
    }

    /// Whether any rule, set or map element of the host's ruleset holds `address` itself.
    static func rulesetMentions(_ address: String) throws -> Bool {
        try ruleset().contains("\"\(address)\"")
    }

    /// conntrack entries (text lines) whose original destination port is `port`.
    static func conntrackEntries(port: Int) throws -> [String] {
        var lines: [String] = []
        for proto in ["tcp", "udp"] {
            lines += try conntrack(["-p", proto, "--orig-port-dst", String(port)])
        }
        return lines
    }

    /// conntrack entries in which `address` is any of the four addresses (original and reply
    /// source and destination): flows from, to and port-forwarded to the container.
    static func conntrackEntries(address: String) throws -> [String] {
        var lines: Set<String> = []
        for flag in ["--orig-src", "--orig-dst", "--reply-src", "--reply-dst"] {
            lines.formUnion(try conntrack([flag, address]))
        }
        return lines.sorted()
    }

    private static func conntrack(_ filter: [String]) throws -> [String] {
        let out = try Shell.run(["conntrack", "-L"] + filter)
        guard out.status == 0 else { throw ShellError(command: "conntrack -L " + filter.joined(separator: " "), output: out) }
        return out.stdout.split(separator: "\n").map(String.init)
    }

    /// What a running container `id` holds on the host through `network`, to compare with
    /// what is left after `podman rm`.
    struct Footprint {
        var id: String
        var network: Network
        var address: String
        var veths: [String]
        var rules: [TaggedRule]
        var hostPort: Int?
    }

    func footprint(of id: String, on network: Network, hostPort: Int? = nil) throws -> Footprint {
        let addresses = try addresses(of: id).filter { $0.hasPrefix(network.prefix + ".") }
        guard addresses.count == 1 else {
            throw ShellError(command: "address of \(id) on \(network.name)", output: Shell.Output(status: 1, stdout: "\(addresses)", stderr: ""))
        }
        return Footprint(
            id: id, network: network, address: addresses[0], veths: try Self.ports(of: network.bridge),
            rules: try Self.rules(of: id, on: network), hostPort: hostPort)
    }
}

/// After `podman rm`: the container's host veth gone (deleted in the background by our
/// bridge's DEL, so awaited up to 5 s), no rule of ours with its attachment tags or its name,
/// no rule, set or map element with its address, no host-local reservation, and no conntrack
/// entry of its address or of its published port.
func expectNothingLeft(_ footprint: PodmanLab.Footprint, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline, footprint.veths.contains(where: PodmanLab.linkExists) { usleep(50_000) }
    for veth in footprint.veths {
        #expect(!PodmanLab.linkExists(veth), "veth \(veth) left", sourceLocation: sourceLocation)
    }
    #expect(try PodmanLab.ports(of: footprint.network.bridge).isEmpty, "ports left on \(footprint.network.bridge)", sourceLocation: sourceLocation)
    let attachments = Set(footprint.rules.map(\.attachment))
    let left = try PodmanLab.taggedRules().filter {
        attachments.contains($0.attachment) || $0.comment.contains(" \(footprint.network.name)/\(footprint.id.prefix(12))/")
    }
    #expect(left.isEmpty, "rules of the container left: \(left.map(\.comment))", sourceLocation: sourceLocation)
    #expect(try !PodmanLab.rulesetMentions(footprint.address), "a rule or element with \(footprint.address) left", sourceLocation: sourceLocation)
    #expect(PodmanLab.reservations(footprint.network).isEmpty, "reservation left", sourceLocation: sourceLocation)
    #expect(try PodmanLab.conntrackEntries(address: footprint.address) == [], "conntrack entries of \(footprint.address) left", sourceLocation: sourceLocation)
    if let port = footprint.hostPort {
        #expect(try PodmanLab.conntrackEntries(port: port) == [], "conntrack entries of host port \(port) left", sourceLocation: sourceLocation)
    }
}
