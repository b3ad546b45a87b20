import CNISpec
import JSONSupport

/// The per-attachment inputs of one ADD / CHECK / DEL, like libcni's `RuntimeConf`.
public struct RuntimeConf: Sendable, Equatable {
    public var containerID: String
    /// The netns path (`CNI_NETNS`); may be empty for DEL.
    public var netns: String
    public var ifName: String
    /// `CNI_ARGS` pairs, in order.
    public var args: [CNIArgPair]
    /// Capability arguments offered to plugins (only those a plugin declares reach it).
    public var capabilityArgs: JSONObject

    public init(
        containerID: String, netns: String, ifName: String, args: [CNIArgPair] = [],
        capabilityArgs: JSONObject = JSONObject()
    ) {
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
    }

    /// `CNI_ARGS` text: `K=V` pairs joined by `;`.
    public var cniArgsString: String {
        args.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    /// The attachment key (container ID, interface name).
    public var attachment: CNIAttachment { CNIAttachment(containerID: containerID, ifname: ifName) }
}

/// One `CNI_ARGS` pair.
public struct CNIArgPair: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
