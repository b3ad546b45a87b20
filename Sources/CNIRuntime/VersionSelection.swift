import CNISpec

/// Chooses the specification version a configuration list is run with.
///
/// Like libcni (spec 1.1.0): the highest of `cniVersion` ∪ `cniVersions` that this runtime
/// implements. Entries newer than `CNIVersion.current` are ignored (a config may announce
/// versions for newer runtimes); an entry that is not a version at all is an error. A list
/// without either field is treated as 0.1.0, as libcni does.
public enum VersionSelection {
    public static func select(cniVersion: String?, cniVersions: [String]?, source: String) throws(CNIError) -> CNIVersion {
        var candidates: [String] = []
        if let cniVersion, !cniVersion.isEmpty { candidates.append(cniVersion) }
        candidates.append(contentsOf: cniVersions ?? [])
        guard !candidates.isEmpty else { return .v0_1_0 }

        var best: CNIVersion?
        var tooNew: [String] = []
        for text in candidates {
            guard let version = CNIVersion(text) else {
                throw CNIError(.decodingFailure, "invalid CNI version \"\(text)\" in \(source)", details: "expected MAJOR.MINOR.PATCH")
            }
            guard CNIVersion.all.contains(version) else {
                tooNew.append(text)
                continue
            }
            if best == nil || version > best! { best = version }
        }
        guard let best else {
            let supported = CNIVersion.all.map(\.description).joined(separator: ", ")
            throw CNIError(
                .incompatibleVersion, "no supported CNI version in \(source)",
                details: "config announces [\(tooNew.joined(separator: ", "))], this runtime supports [\(supported)]")
        }
        return best
    }
}
