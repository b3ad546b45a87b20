import NFTables

/// The rules of one attachment in `inet swcni_portmap` (pure: configuration in, rule bodies out).
///
/// * `prerouting` (nat, hook prerouting, priority dstnat) and `output` (nat, hook output,
///   priority dstnat), per mapping and container address:
///   `meta nfproto ipvX meta l4proto <p> th dport <hostPort> [ip daddr <hostIP>]
///   fib daddr type local [conditions] dnat ip to <container>:<containerPort>`.
///   The cheap matches come first: the `fib` route lookup runs only for packets to the port.
///   In `output`, IPv6 excludes `::1` (no `route_localnet` for IPv6: a DNAT there could
///   never be answered) and IPv4 excludes `127.0.0.0/8` when `snat` is off.
/// * `postrouting` (nat, hook postrouting, priority srcnat), per mapping and container
///   address, for translated connections only (`ct status dnat`) to the container port:
///   with `masqAll`, every one is masqueraded; with `snat`, those from the container's own
///   network (hairpin, and other pods of the bridge, whose replies would otherwise go
///   straight back over the bridge) and, IPv4, from `127.0.0.0/8` (localhost:hostPort).
public enum PortMapRules {
    public static let table = NFTTable(.inet, "swcni_portmap")

    public static let prerouting = NFTChain(
        table: table, name: "prerouting",
        base: NFTBaseChain(type: .nat, hook: .prerouting, priority: NFTBaseChain.dstnatPriority))
    public static let output = NFTChain(
        table: table, name: "output",
        base: NFTBaseChain(type: .nat, hook: .output, priority: NFTBaseChain.dstnatPriority))
    public static let postrouting = NFTChain(
        table: table, name: "postrouting", base: NFTBaseChain.postroutingSourceNAT)

    static let loopbackV4 = try! NFTPrefix("127.0.0.0/8")
    static let loopbackV6 = try! NFTPrefix("::1")

    /// `containers`: the container's addresses with their network's prefix length.
    public static func rules(config: PortMapConfig, containers: [NFTPrefix]) -> [NFTChainRules] {
        var dnatIn: [[NFTStatement]] = []
        var dnatOut: [[NFTStatement]] = []
        var masquerade: [[NFTStatement]] = []
        for mapping in config.mappings {
            for container in containers where mapping.applies(to: container.family) {
                let family = container.family
                var match: [NFTStatement] = [.nfproto(family), .l4proto(mapping.l4.rawValue), dport(mapping.hostPort)]
                if let hostIP = mapping.hostIP { match.append(.daddr(hostIP)) }
                match.append(.destinationIsLocal)
                match += config.conditions(family)
                let dnat = NFTStatement.dnat(family: family, address: container.address, port: mapping.containerPort)
                dnatIn.append(match + [dnat])
                var local = match
                if family == .ipv6 {
                    local.append(.daddr(loopbackV6, negated: true))
                } else if !config.snat {
                    local.append(.daddr(loopbackV4, negated: true))
                }
                dnatOut.append(local + [dnat])

                let toContainer: [NFTStatement] = [
                    .daddr(container.host), .l4proto(mapping.l4.rawValue), dport(mapping.containerPort), .ctStatusDNAT,
                ]
                if config.masqAll {
                    masquerade.append([.nfproto(family)] + toContainer + [.masquerade])
                } else if config.snat {
                    masquerade.append([.nfproto(family), .saddr(container.network)] + toContainer + [.masquerade])
                    if family == .ipv4 {
                        masquerade.append([.nfproto(family), .saddr(loopbackV4)] + toContainer + [.masquerade])
                    }
                }
            }
        }
        var result = [
            NFTChainRules(chain: prerouting, rules: dnatIn), NFTChainRules(chain: output, rules: dnatOut),
        ]
        if !masquerade.isEmpty { result.append(NFTChainRules(chain: postrouting, rules: masquerade)) }
        return result.filter { !$0.rules.isEmpty }
    }

    static func dport(_ port: Int) -> NFTStatement {
        .match(left: .payload(protocol: "th", field: "dport"), op: .equal, right: .number(port))
    }
}
