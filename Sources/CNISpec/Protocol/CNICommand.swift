/// The operations a runtime asks a plugin to perform (`CNI_COMMAND`).
public enum CNICommand: String, Sendable, CaseIterable {
    case add = "ADD"
    case del = "DEL"
    case check = "CHECK"
    case gc = "GC"
    case status = "STATUS"
    case version = "VERSION"

    /// Environment variables the command requires, in the order they are reported when
    /// missing. Matches the reference `skel` (which also requires `CNI_PATH`).
    public var requiredEnvironment: [String] {
        switch self {
        case .add, .check: return ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]
        case .del: return ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"]
        case .gc, .status: return ["CNI_PATH"]
        case .version: return []
        }
    }

    /// The oldest specification version that defines the command.
    public var minimumVersion: CNIVersion {
        switch self {
        case .check: return .v0_4_0
        case .gc, .status: return .v1_1_0
        default: return .v0_1_0
        }
    }
}
