/// The result of an ADD, in the shape of the newest specification (1.1.0).
///
/// Every version's wire format is produced from and parsed into this one model; see
/// `CNIResult+Encoding.swift` and `CNIResult+Decoding.swift` for the per-version rules.
public struct CNIResult: Sendable, Equatable {
    public var interfaces: [Interface]
    public var ips: [IPConfig]
    public var routes: [Route]
    public var dns: DNS

    public init(interfaces: [Interface] = [], ips: [IPConfig] = [], routes: [Route] = [], dns: DNS = DNS()) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }

    /// An interface created or configured by the attachment.
    public struct Interface: Sendable, Equatable {
        public var name: String
        public var mac: String?
        /// 1.1.0 only.
        public var mtu: Int?
        /// The netns path for interfaces inside the container; nil for host interfaces.
        public var sandbox: String?
        /// 1.1.0 only.
        public var socketPath: String?
        /// 1.1.0 only.
        public var pciID: String?

        public init(
            name: String, mac: String? = nil, mtu: Int? = nil, sandbox: String? = nil,
            socketPath: String? = nil, pciID: String? = nil
        ) {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
            self.socketPath = socketPath
            self.pciID = pciID
        }
    }

    /// An address assigned by the attachment.
    public struct IPConfig: Sendable, Equatable {
        /// CIDR text, e.g. `10.1.0.5/16`.
        public var address: String
        public var gateway: String?
        /// Index into `interfaces`.
        public var interface: Int?

        public init(address: String, gateway: String? = nil, interface: Int? = nil) {
            self.address = address
            self.gateway = gateway
            self.interface = interface
        }

        /// `"4"` or `"6"`, from the address text (used by the 0.3.x/0.4.0 encoding).
        public var family: String { address.utf8.contains(UInt8(ascii: ":")) ? "6" : "4" }
    }

    /// A route created by the attachment.
    public struct Route: Sendable, Equatable {
        public var dst: String
        public var gw: String?
        /// The following are 1.1.0 fields.
        public var mtu: Int?
        public var advmss: Int?
        public var priority: Int?
        public var table: Int?
        public var scope: Int?

        public init(
            dst: String, gw: String? = nil, mtu: Int? = nil, advmss: Int? = nil, priority: Int? = nil,
            table: Int? = nil, scope: Int? = nil
        ) {
            self.dst = dst
            self.gw = gw
            self.mtu = mtu
            self.advmss = advmss
            self.priority = priority
            self.table = table
            self.scope = scope
        }

        public var isIPv6: Bool { dst.utf8.contains(UInt8(ascii: ":")) }
    }

    /// DNS settings for the container.
    public struct DNS: Sendable, Equatable {
        public var nameservers: [String]
        public var domain: String?
        public var search: [String]
        public var options: [String]

        public init(nameservers: [String] = [], domain: String? = nil, search: [String] = [], options: [String] = []) {
            self.nameservers = nameservers
            self.domain = domain
            self.search = search
            self.options = options
        }

        public var isEmpty: Bool { nameservers.isEmpty && domain == nil && search.isEmpty && options.isEmpty }
    }
}
