import NetNS

/// The namespace the plugin runs in (the host's), as a path other threads can open.
enum HostNamespace {
    /// `/proc/self/ns/net` names the namespace of the main thread, which never changes
    /// namespace (work inside containers runs on dedicated threads).
    static let current = NetworkNamespace(path: "/proc/self/ns/net")
}
