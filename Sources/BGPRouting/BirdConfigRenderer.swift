import CNISpec
import Netlink
import SystemSupport

/// Renders BIRD 2's whole configuration for one node (pure and deterministic: the same
/// inputs give the same bytes, so a reconcile can tell whether anything changed).
///
/// * `router id`: `routing.routerID`, else the node's IPv4 address, else one derived
///   from the node name;
/// * `device` and `direct` (the underlay interface only: its subnets let BIRD resolve
///   next hops on the link);
/// * `kernel` per family: exports exactly the routes BGP learned inside `others` to the
///   kernel, as `proto bird` with metric `kernelMetric`; learns the kernel's other routes
///   (the node's underlay routes, for recursive next hops), never any inside a cluster CIDR;
/// * `static` per family: this node's pod CIDRs as blackholes, the origin of its
///   announcements (the bridge's more specific route carries the traffic);
/// * `bgp` per session: the other listed nodes (with `peers: "mesh"`), the route reflectors
///   and external peers serving this node. Export: exactly this node's pod CIDRs. Import
///   from a node: exactly that node's pod CIDRs; from a reflector or external peer: any
///   other node's pod CIDRs. Always inside the cluster CIDRs; never a default route, a node
///   address, this node's own CIDR, or anything else.
public struct BirdConfigRenderer: Sendable {
    /// The metric of the routes BIRD installs (with `proto bird`): how they are recognised.
    public static let kernelMetric = 64

    public var network: String
    public var routing: RoutingConfig
    public var selfNode: BGPNode
    public var nodes: [BGPNode]
    public var clusterCIDRs: [InetPrefix]
    public var underlayInterface: String

    public init(
        network: String, routing: RoutingConfig, selfNode: BGPNode, nodes: [BGPNode], clusterCIDRs: [InetPrefix],
        underlayInterface: String
    ) {
        self.network = network
        self.routing = routing
        self.selfNode = selfNode
        self.nodes = nodes
        self.clusterCIDRs = clusterCIDRs
        self.underlayInterface = underlayInterface
    }

    public struct Rendered: Sendable, Equatable {
        public var text: String
        public var sessions: [BirdSession]
        /// Peers left out, with the reason (their address family differs from this node's).
        public var skipped: [String]
    }

    public func render() throws(CNIError) -> Rendered {
        try BirdText.checkQuotable(network, field: "name")
        try BirdText.checkQuotable(underlayInterface, field: "underlay interface")
        for node in nodes { try BirdText.checkQuotable(node.name, field: "node name \"\(node.name)\"") }

        let families = [true, false].map { PrefixSets(ipv4: $0, selfNode: selfNode, nodes: nodes, clusterCIDRs: clusterCIDRs) }
            .filter { !$0.own.isEmpty || !$0.others.isEmpty }
        var out: [String] = []
        out.append("# BIRD 2 configuration of node \"\(selfNode.name)\", network \"\(network)\": written by the swift-cni vxlan plugin")
        out.append("# (routing mode bgp) on every reconcile. Do not edit: changes are overwritten.")
        out.append("")
        out.append("router id \(routerID());")
        out.append("")
        for sets in families { out += filters(sets) }
        out += [
            "protocol device swcni_device {", "\tscan time 10;", "}", "",
            "protocol direct swcni_direct {",
        ]
        out += families.map { "\t\(name($0));" }
        out += ["\tinterface \(BirdText.quoted(underlayInterface));", "}", ""]
        for sets in families {
            let f = suffix(sets)
            out += [
                "protocol kernel swcni_kernel\(f) {",
                "\t\(name(sets)) {", "\t\timport filter swcni_learn\(f);", "\t\texport filter swcni_to_kernel\(f);", "\t};",
                "\tlearn;", "\tscan time 10;", "\tmetric \(Self.kernelMetric);",
            ]
            if routing.gracefulRestart { out.append("\tgraceful restart on;") }
            out += ["}", ""]
            if !sets.own.isEmpty {
                out += ["protocol static swcni_pods\(f) {", "\t\(name(sets));"]
                out += sets.own.map { "\troute \($0.network)/\($0.length) blackhole;" }
                out += ["}", ""]
            }
        }
        if routing.bfd { out += ["protocol bfd swcni_bfd {", "}", ""] }

        var sessions: [BirdSession] = []
        var skipped: [String] = []
        func add(_ session: BirdSession, asn: UInt32, password: String?, importFilter: (PrefixSets) -> String) {
            let sessionFamilies = families.filter { $0.ipv4 == session.address.isIPv4 }
            guard !sessionFamilies.isEmpty else {
                skipped.append("\(session.label): no pod CIDR of its address family")
                return
            }
            sessions.append(session)
            out.append("protocol bgp \(session.protocolName) {")
            out.append("\tdescription \(BirdText.quoted(session.label));")
            if selfNode.address.isIPv4 == session.address.isIPv4 {
                out.append("\tlocal \(selfNode.address) as \(routing.asn);")
            } else {
                out.append("\tlocal as \(routing.asn);")
            }
            out.append("\tneighbor \(session.address) as \(asn);")
            if let hold = routing.holdTime {
                out.append("\thold time \(hold);")
                if hold > 0 { out.append("\tkeepalive time \(max(1, hold / 3));") }
            }
            out.append("\tconnect retry time \(routing.connectRetryTime);")
            out.append("\terror wait time \(routing.connectRetryTime), \(max(routing.connectRetryTime, 60));")
            out.append("\tgraceful restart \(routing.gracefulRestart ? "on" : "off");")
            if routing.bfd { out.append("\tbfd on;") }
            if let password { out.append("\tpassword \(BirdText.quoted(password));") }
            for sets in sessionFamilies {
                out += [
                    "\t\(name(sets)) {", "\t\timport filter \(importFilter(sets));",
                    "\t\texport filter swcni_export\(suffix(sets));", "\t};",
                ]
            }
            out += ["}", ""]
        }
        if routing.mesh {
            for node in nodes where node.name != selfNode.name {
                let symbol = BirdText.symbol("mesh", node.name)
                add(
                    BirdSession(protocolName: symbol, peer: .node(node.name), address: node.address, required: false),
                    asn: routing.asn, password: nil, importFilter: { "\(symbol)_import\(suffix($0))" })
            }
        }
        for peer in routing.routeReflectors + routing.externalPeers where peer.serves(selfNode.name) {
            if nodes.contains(where: { $0.address == peer.address }) {
                skipped.append("\(peer.address): a listed node's address (nodes peer through the mesh)")
                continue
            }
            let kind: BirdSession.Peer = peer.kind == .routeReflector ? .routeReflector : .external(asn: peer.asn)
            let symbol = BirdText.symbol(peer.kind == .routeReflector ? "rr" : "ext", address: "\(peer.address)")
            add(
                BirdSession(protocolName: symbol, peer: kind, address: peer.address, required: peer.required),
                asn: peer.asn, password: peer.password, importFilter: { "swcni_import\(suffix($0))" })
        }
        // Per-node import filters go before the protocols that use them.
        var meshFilters: [String] = []
        if routing.mesh {
            for sets in families {
                for (name, cidrs) in sets.perNode {
                    let symbol = BirdText.symbol("mesh", name)
                    guard sessions.contains(where: { $0.protocolName == symbol }) else { continue }
                    meshFilters += filter("\(symbol)_import\(suffix(sets))", accepting: cidrs, condition: nil)
                }
            }
        }
        if let firstProtocol = out.firstIndex(where: { $0.hasPrefix("protocol ") }) {
            out.insert(contentsOf: meshFilters, at: firstProtocol)
        }
        return Rendered(text: out.joined(separator: "\n"), sessions: sessions, skipped: skipped)
    }

    /// Export to BGP, import from reflectors and external peers, kernel export and learn.
    private func filters(_ sets: PrefixSets) -> [String] {
        let f = suffix(sets)
        var out: [String] = []
        out += filter("swcni_export\(f)", accepting: sets.own, condition: "source = RTS_STATIC")
        out += filter("swcni_import\(f)", accepting: sets.others, condition: nil)
        out += filter("swcni_to_kernel\(f)", accepting: sets.others, condition: "source = RTS_BGP")
        out.append("filter swcni_learn\(f) {")
        if !sets.cluster.isEmpty { out.append("\tif net ~ \(PrefixSets.set(sets.cluster, suffix: "+")) then reject;") }
        out += ["\taccept;", "}", ""]
        return out
    }

    /// `filter NAME`: accepts exactly the listed prefixes (and `condition`), rejects the rest.
    private func filter(_ name: String, accepting prefixes: [InetPrefix], condition: String?) -> [String] {
        var out = ["filter \(name) {"]
        if !prefixes.isEmpty {
            let match = "net ~ \(PrefixSets.set(prefixes))"
            out.append("\tif \(condition.map { "\($0) && " } ?? "")\(match) then accept;")
        }
        out += ["\treject;", "}", ""]
        return out
    }

    private func suffix(_ sets: PrefixSets) -> String { sets.ipv4 ? "4" : "6" }
    private func name(_ sets: PrefixSets) -> String { sets.ipv4 ? "ipv4" : "ipv6" }

    /// The configured router id, the node's IPv4 address, or 4 bytes of a hash of its name
    /// (an IPv6-only node), never 0.0.0.0.
    public func routerID() -> InetAddress {
        if let id = routing.routerID { return id }
        if selfNode.address.isIPv4 { return selfNode.address }
        var hash = UInt32(truncatingIfNeeded: StableHash.fnv1a64(Array(selfNode.name.utf8)))
        if hash == 0 { hash = 1 }
        return InetAddress(bytes: [UInt8(hash >> 24), UInt8(hash >> 16 & 0xff), UInt8(hash >> 8 & 0xff), UInt8(hash & 0xff)])!
    }
}
