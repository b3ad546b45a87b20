import CNISpec

/// `vlanTrunk`: a list of `{"id": n}` and `{"minID": a, "maxID": b}` entries.
public enum VLANTrunk {
    /// The sorted, de-duplicated VLAN ids, or nil when the option is absent or lists nothing,
    /// with the reference's messages for bad entries (code 7).
    public static func collect(_ entries: [JSONFieldReader]?) throws(CNIError) -> [Int]? {
        guard let entries else { return nil }
        var ids = Set<Int>()
        for entry in entries {
            let minID = try entry.int("minID")
            let maxID = try entry.int("maxID")
            switch (minID, maxID) {
            case (let lo?, let hi?):
                guard lo > 0 && lo <= 4094 else { throw invalid("incorrect trunk minID parameter", entry) }
                guard hi > 0 && hi <= 4094 else { throw invalid("incorrect trunk maxID parameter", entry) }
                guard hi >= lo else { throw invalid("minID is greater than maxID in trunk parameter", entry) }
                for v in lo...hi { ids.insert(v) }
            case (nil, _?):
                throw invalid("minID and maxID should be configured simultaneously, minID is missing", entry)
            case (_?, nil):
                throw invalid("minID and maxID should be configured simultaneously, maxID is missing", entry)
            case (nil, nil):
                break
            }
            if let id = try entry.int("id") {
                guard id > 0 && id <= 4094 else { throw invalid("incorrect trunk id parameter", entry) }
                ids.insert(id)
            }
        }
        return ids.isEmpty ? nil : ids.sorted()
    }

    private static func invalid(_ message: String, _ entry: JSONFieldReader) -> CNIError {
        CNIError(.invalidNetworkConfig, message, details: "\(entry.path): VLAN ids must be between 1 and 4094")
    }
}
