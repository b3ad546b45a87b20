import CNISpec

/// Which cached attachments of a network a GC keeps and which it deletes, and the valid
/// list the plugins are told about.
///
/// - With an explicit valid set (`--valid ID/IFNAME`, or `--all-stale` for an empty one), as
///   in libcni: every cached attachment not in the set is stale, and the set is sent as is.
/// - Without one (cnictl's default, a decision of ours): a cached attachment is stale when
///   the netns it was added to no longer exists; attachments recorded without a netns, or
///   whose netns still exists, are kept. The kept attachments are the valid list sent to
///   the plugins, so cnictl's cache is taken as the complete list of this network's
///   attachments (use `--valid` when another runtime shares the network).
public struct GCPlan: Sendable, Equatable {
    /// Sorted by container ID, then interface name, for deterministic requests.
    public var valid: [CNIAttachment]
    /// Cached attachments to DEL, in cache (file-name) order.
    public var stale: [CacheEntry]

    public static func compute(
        cached: [CacheEntry], explicitValid: [CNIAttachment]?, netnsExists: (String) -> Bool
    ) -> GCPlan {
        var valid: [CNIAttachment]
        var stale: [CacheEntry] = []
        if let explicitValid {
            let set = Set(explicitValid)
            valid = Array(set)
            stale = cached.filter { !set.contains($0.attachment) }
        } else {
            valid = []
            for entry in cached {
                if entry.netns.isEmpty || netnsExists(entry.netns) {
                    valid.append(entry.attachment)
                } else {
                    stale.append(entry)
                }
            }
            valid = Array(Set(valid))
        }
        valid.sort { ($0.containerID, $0.ifname) < ($1.containerID, $1.ifname) }
        return GCPlan(valid: valid, stale: stale)
    }

    /// Parses `ID/IFNAME` (the interface name is what follows the last `/`).
    public static func parseAttachment(_ text: String) -> CNIAttachment? {
        guard let slash = text.lastIndex(of: "/") else { return nil }
        let id = String(text[..<slash])
        let ifname = String(text[text.index(after: slash)...])
        guard !id.isEmpty, !ifname.isEmpty else { return nil }
        return CNIAttachment(containerID: id, ifname: ifname)
    }
}
