import CNISpec
/// One invocation of a plugin: the validated environment plus the decoded configuration.
public struct CNIRequest: Sendable {
    public let command: CNICommand
    /// `CNI_CONTAINERID` (empty for GC and STATUS).
    public let containerID: String
    /// `CNI_NETNS` (may be empty for DEL, GC and STATUS).
    public let netns: String
    /// `CNI_IFNAME` (empty for GC and STATUS).
    public let ifName: String
    /// `CNI_ARGS`.
    public let args: CNIArgs
    /// `CNI_PATH`, split on `:`.
    public let path: [String]
    /// The request configuration from stdin.
    public let config: NetConf

    public init(
        command: CNICommand, containerID: String, netns: String, ifName: String, args: CNIArgs,
        path: [String], config: NetConf
    ) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.path = path
        self.config = config
    }

    /// The request's specification version (the version results must be printed in).
    public var version: CNIVersion { config.cniVersion }
}
