import CNISpec
import Netlink

/// How pod traffic crosses nodes: the vxlan plugin's `routing` object.
///
/// ```json
/// "routing": {"mode": "bgp", "asn": 64512, "peers": "mesh",
///             "routeReflectors": [{"address": "192.168.61.1", "nodes": ["node1"]}],
///             "externalPeers": [{"address": "192.168.61.254", "asn": 65001, "password": "s3cret"}],
///             "bfd": false, "gracefulRestart": true, "holdTime": 90, "connectRetryTime": 5,
///             "birdConfig": "/etc/bird/bird.conf", "birdSocket": "/run/bird/bird.ctl"}
/// ```
///
/// Absent, or `"mode": "vxlan"`: the overlay as before. `"mode": "bgp"`: every listed node is
/// reached by routes BIRD learns over BGP (no VXLAN entries, no encapsulation overhead).
public struct RoutingConfig: Sendable, Equatable {
    public enum Mode: String, Sendable { case vxlan, bgp }

    public static let defaultASN: UInt32 = 64512
    public static let defaultBirdConfig = "/etc/bird/bird.conf"
    public static let defaultBirdSocket = "/run/bird/bird.ctl"

    public var mode: Mode
    /// This cluster's AS (every node's; route reflectors share it).
    public var asn: UInt32
    /// Full mesh of iBGP sessions between the listed nodes (`"peers": "mesh"`, the default),
    /// or none (`"none"`: nodes learn routes from route reflectors or external peers only).
    public var mesh: Bool
    public var routeReflectors: [BGPPeer]
    public var externalPeers: [BGPPeer]
    public var bfd: Bool
    public var gracefulRestart: Bool
    /// BGP hold time in seconds (keepalive = a third of it); nil: BIRD's default (240).
    public var holdTime: Int?
    /// Seconds between attempts to open a session that is not up.
    public var connectRetryTime: Int
    /// Where BIRD reads its configuration (the file its service manager starts it with).
    public var birdConfig: String
    /// BIRD's control socket.
    public var birdSocket: String
    /// BGP router id; default: the node's IPv4 address, else one derived from its name.
    public var routerID: InetAddress?

    public var isBGP: Bool { mode == .bgp }

    public init(
        mode: Mode = .vxlan, asn: UInt32 = Self.defaultASN, mesh: Bool = true, routeReflectors: [BGPPeer] = [],
        externalPeers: [BGPPeer] = [], bfd: Bool = false, gracefulRestart: Bool = true, holdTime: Int? = nil,
        connectRetryTime: Int = 5, birdConfig: String = Self.defaultBirdConfig, birdSocket: String = Self.defaultBirdSocket,
        routerID: InetAddress? = nil
    ) {
        self.mode = mode
        self.asn = asn
        self.mesh = mesh
        self.routeReflectors = routeReflectors
        self.externalPeers = externalPeers
        self.bfd = bfd
        self.gracefulRestart = gracefulRestart
        self.holdTime = holdTime
        self.connectRetryTime = connectRetryTime
        self.birdConfig = birdConfig
        self.birdSocket = birdSocket
        self.routerID = routerID
    }

    /// Parses the `routing` key of `reader` (the plugin object); absent means VXLAN.
    public init(reader plugin: JSONFieldReader) throws(CNIError) {
        self.init()
        guard let r = try plugin.object("routing") else { return }
        let modeText = try r.string("mode") ?? Mode.vxlan.rawValue
        guard let mode = Mode(rawValue: modeText) else {
            throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("mode")) \"\(modeText)\"", details: "expected vxlan or bgp")
        }
        self.mode = mode
        asn = try Self.asn(r, "asn") ?? Self.defaultASN
        let peersText = try r.string("peers") ?? "mesh"
        switch peersText {
        case "mesh": mesh = true
        case "none": mesh = false
        default:
            throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("peers")) \"\(peersText)\"", details: "expected mesh or none")
        }
        for item in try r.objects("routeReflectors") ?? [] {
            routeReflectors.append(try Self.peer(item, kind: .routeReflector, clusterASN: asn))
        }
        for item in try r.objects("externalPeers") ?? [] {
            externalPeers.append(try Self.peer(item, kind: .external, clusterASN: asn))
        }
        let all = routeReflectors + externalPeers
        for (i, peer) in all.enumerated() where all[..<i].contains(where: { $0.address == peer.address }) {
            throw CNIError(.invalidNetworkConfig, "\(r.path): BGP peer \(peer.address) is listed twice")
        }
        bfd = try r.bool("bfd") ?? false
        gracefulRestart = try r.bool("gracefulRestart") ?? true
        if let hold = try r.int("holdTime") {
            // RFC 4271: zero (no keepalives) or at least three seconds.
            guard hold == 0 || (3...65535).contains(hold) else {
                throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("holdTime")) \(hold)", details: "expected 0 or 3 to 65535 seconds")
            }
            holdTime = hold
        }
        if let retry = try r.int("connectRetryTime") {
            guard (1...65535).contains(retry) else {
                throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("connectRetryTime")) \(retry)", details: "expected 1 to 65535 seconds")
            }
            connectRetryTime = retry
        }
        birdConfig = try r.string("birdConfig") ?? Self.defaultBirdConfig
        try Self.absolutePath(birdConfig, field: r.fieldPath("birdConfig"))
        birdSocket = try r.string("birdSocket") ?? Self.defaultBirdSocket
        try Self.absolutePath(birdSocket, field: r.fieldPath("birdSocket"))
        // sun_path holds 108 bytes with its terminating NUL.
        guard birdSocket.utf8.count < 108 else {
            throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("birdSocket")) is too long", details: "a unix socket path has at most 107 bytes")
        }
        if let text = try r.string("routerID") {
            guard let id = InetAddress(text), id.isIPv4, id.bytes != [0, 0, 0, 0] else {
                throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("routerID")) \"\(text)\"", details: "a router id is a non-zero IPv4 address")
            }
            routerID = id
        }
        if mode == .bgp && !mesh && all.isEmpty {
            throw CNIError(
                .invalidNetworkConfig, "\(r.path): bgp without peers",
                details: "\"peers\": \"none\" needs routeReflectors or externalPeers")
        }
    }

    static func asn(_ r: JSONFieldReader, _ key: String) throws(CNIError) -> UInt32? {
        guard let value = try r.int(key) else { return nil }
        // 0 and 4294967295 (AS_TRANS 23456 is allowed by BIRD) are reserved (RFC 7607, 7300).
        guard (1...4_294_967_294).contains(value) else {
            throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath(key)) \(value)", details: "an AS number is 1 to 4294967294")
        }
        return UInt32(value)
    }

    static func peer(_ r: JSONFieldReader, kind: BGPPeer.Kind, clusterASN: UInt32) throws(CNIError) -> BGPPeer {
        guard let text = try r.string("address") else {
            throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("address")) is required", details: "the peer's IP address")
        }
        guard let address = InetAddress(text) else {
            throw CNIError(.invalidNetworkConfig, "invalid IP address \"\(text)\" in \(r.fieldPath("address"))")
        }
        var asn = clusterASN
        if kind == .external {
            guard let value = try Self.asn(r, "asn") else {
                throw CNIError(.invalidNetworkConfig, "\(r.fieldPath("asn")) is required", details: "an external peer's AS number")
            }
            asn = value
        } else if let value = try Self.asn(r, "asn"), value != clusterASN {
            throw CNIError(
                .invalidNetworkConfig, "\(r.fieldPath("asn")) \(value) differs from the cluster's \(clusterASN)",
                details: "a route reflector is an iBGP peer; list an eBGP router under externalPeers")
        }
        let password = try r.string("password")
        if let password {
            try BirdText.checkQuotable(password, field: r.fieldPath("password"))
            guard !password.isEmpty, password.utf8.count <= 80 else {
                throw CNIError(.invalidNetworkConfig, "invalid \(r.fieldPath("password"))", details: "a TCP MD5 key is 1 to 80 bytes")
            }
        }
        let nodes = try r.strings("nodes") ?? []
        for (i, node) in nodes.enumerated() { try BirdText.checkQuotable(node, field: "\(r.fieldPath("nodes"))[\(i)]") }
        let required = try r.bool("required") ?? true
        return BGPPeer(kind: kind, address: address, asn: asn, password: password, nodes: nodes, required: required)
    }

    static func absolutePath(_ path: String, field: String) throws(CNIError) {
        guard path.hasPrefix("/"), !path.utf8.contains(0), !path.hasSuffix("/") else {
            throw CNIError(.invalidNetworkConfig, "invalid \(field) \"\(path)\"", details: "expected an absolute file path")
        }
    }
}
