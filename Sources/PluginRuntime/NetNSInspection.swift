/// What a `CNI_NETNS` path names, as far as a plugin that enters it is concerned.
///
/// The dispatcher asks before a plugin runs: ADD and CHECK are refused for anything but a
/// network namespace other than the plugin's own; DEL treats such a path as a namespace that
/// is gone (the spec asks DEL to succeed then) and does only host-side cleanup.
public enum NetNSInspection: Sendable, Equatable {
    /// A network namespace other than the plugin's own.
    case usable
    /// The network namespace the plugin runs in.
    case own
    /// Nothing at the path.
    case missing(details: String)
    /// Something that is not a network namespace (a FIFO, a directory, another namespace
    /// type, a path the kernel refuses), with what it is.
    case unusable(details: String)
}

extension NetNSInspection {
    /// One phrase for messages.
    public var summary: String {
        switch self {
        case .usable: return "a network namespace"
        case .own: return "the plugin's own network namespace"
        case .missing(let details), .unusable(let details): return details
        }
    }
}
