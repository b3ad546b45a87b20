import CNISpec
import SystemSupport

/// One attachment of a container to a network: what CNI's ADD/DEL/GC identify by
/// (network name, container ID, interface name).
public struct NFTAttachment: Sendable, Hashable, CustomStringConvertible {
    public let network: String
    public let containerID: String
    public let ifname: String

    public init(network: String, containerID: String, ifname: String) {
        self.network = network
        self.containerID = containerID
        self.ifname = ifname
    }

    /// An attachment named in a GC request's `cni.dev/valid-attachments`.
    public init(network: String, _ attachment: CNIAttachment) {
        self.init(network: network, containerID: attachment.containerID, ifname: attachment.ifname)
    }

    /// 16 hex digits identifying the attachment (FNV-1a 64 of network, container ID, ifname).
    public var key: String { StableHash.hex(StableHash.fnv1a64(parts: [network, containerID, ifname])) }

    /// 16 hex digits identifying the network (FNV-1a 64 of its name).
    public var networkKey: String { Self.networkKey(network) }

    public static func networkKey(_ network: String) -> String { StableHash.hex(StableHash.fnv1a64(parts: [network])) }

    public var description: String { "\(network)/\(containerID)/\(ifname)" }
}
