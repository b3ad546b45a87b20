import CNISpec

/// host-local's operations on one network's store: allocate (ADD), release (DEL), verify
/// (CHECK), garbage-collect (GC) and report availability (STATUS).
///
/// Allocation and release run under the store's flock; parsing and output do not.
public struct AddressManager {
    public let config: HostLocalConfig
    public let store: ReservationStore

    public init(config: HostLocalConfig, store: ReservationStore) {
        self.config = config
        self.store = store
    }

    /// Opens (creating if needed) the network directory of `config`.
    public init(config: HostLocalConfig) throws(CNIError) {
        self.config = config
        do {
            self.store = try ReservationStore(path: config.networkDirectory)
        } catch {
            throw error.cniError
        }
    }

    // MARK: ADD

    /// Reserves one address per range set for `attachment`.
    ///
    /// Crash safety: before a reservation file is created, the attachment's index entry is
    /// written listing it, so every file we create is reachable from the index (DEL) and
    /// carries the owner (GC); the file itself appears atomically with its full content.
    public func allocate(_ attachment: CNIAttachment) throws(CNIError) -> [Allocation] {
        try store.withLock { () throws(CNIError) -> [Allocation] in
            try rejectDuplicate(attachment)
            var requested = config.requestedIPs
            var allocations: [Allocation] = []
            do throws(CNIError) {
                for (index, set) in config.rangeSets.enumerated() {
                    var wanted: IPAddress?
                    if let i = requested.firstIndex(where: { set.contains($0) }) {
                        wanted = requested.remove(at: i)
                    }
                    let allocation = try allocate(attachment, setIndex: index, set: set, requested: wanted, holding: allocations)
                    allocations.append(allocation)
                }
                if !requested.isEmpty { throw unallocated(requested, given: allocations) }
                return allocations
            } catch {
                // Roll back the sets already allocated, and a reservation of the failing set
                // made before a later step of it failed (the index lists it), then the entry.
                var reserved = allocations.map(\.ip)
                if case .addresses(let listed)? = try? store.indexEntry(attachment) { reserved += listed }
                for ip in reserved { _ = try? store.release(ip, ifOwnedBy: attachment) }
                try? store.removeIndex(attachment)
                throw error
            }
        }
    }

    /// The error for requested addresses left over once every range set gave one address:
    /// each is either outside every range set, or in a set that already gives another
    /// requested address (one address per range set and attachment).
    private func unallocated(_ leftover: [IPAddress], given allocations: [Allocation]) -> CNIError {
        let sets = config.rangeSets
        var reasons: [String] = []
        for ip in leftover {
            if let index = sets.firstIndex(where: { $0.contains(ip) }) {
                let taken = index < allocations.count ? allocations[index].ip.description : "another requested address"
                reasons.append("\(ip) is in range set \(index) [\(sets[index])], which already gives \(taken) (one address per range set)")
            } else {
                reasons.append("\(ip) is in no range set")
            }
        }
        return CNIError(
            .invalidNetworkConfig,
            "failed to allocate all requested IPs: \(leftover.map(\.description).joined(separator: " "))",
            details: reasons.joined(separator: "; ") + "; range sets: \(sets.map { "[\($0)]" }.joined(separator: " "))")
    }

    /// ADD for an attachment that already holds an address is an error, as in the
    /// reference. Detected through our index; reservations made by the reference binary
    /// (no index entry) are not seen here.
    private func rejectDuplicate(_ attachment: CNIAttachment) throws(CNIError) {
        let held: [IPAddress]
        switch try io({ () throws(StoreError) in try store.indexEntry(attachment) }) {
        case .absent:
            return
        case .corrupt:
            held = try io { () throws(StoreError) in try store.findByScan(attachment) }
        case .addresses(let listed):
            held = try io { () throws(StoreError) in try verified(listed, attachment) }
        }
        if let ip = held.first {
            throw CNIError(
                .invalidEnvironment,
                "\(ip) has been allocated to \(attachment.containerID), duplicate allocation is not allowed",
                details: "CNI_CONTAINERID \(attachment.containerID) with CNI_IFNAME \(attachment.ifname) already holds \(held.map(\.description).joined(separator: ", ")) in network \(config.name)")
        }
    }

    private func allocate(
        _ attachment: CNIAttachment, setIndex: Int, set: RangeSet, requested: IPAddress?, holding: [Allocation]
    ) throws(CNIError) -> Allocation {
        let held = holding.map(\.ip)
        // A taken address is skipped with one stat (we hold the lock) instead of an index
        // rewrite plus a temporary file whose link fails.
        func tryReserve(_ ip: IPAddress) throws(CNIError) -> Bool {
            try io { () throws(StoreError) in
                if try store.isReserved(ip) { return false }
                try store.writeIndex(attachment, held + [ip])
                return try store.reserve(ip, for: attachment)
            }
        }
        if let ip = requested {
            guard let range = set.range(for: ip) else {
                throw CNIError(.invalidNetworkConfig, "failed to allocate for range \(setIndex): \(ip) not in range set \(set)")
            }
            if set.isGateway(ip) {
                throw CNIError(
                    .invalidNetworkConfig, "failed to allocate for range \(setIndex): requested ip \(ip) is subnet's gateway")
            }
            guard try tryReserve(ip) else {
                throw CNIError(
                    .tryAgainLater,
                    "failed to allocate for range \(setIndex): requested IP address \(ip) is not available in range set \(set)",
                    details: "the address is reserved by another attachment")
            }
            try io { () throws(StoreError) in try store.setLastReserved(ip, setIndex: setIndex) }
            return Allocation(setIndex: setIndex, ip: ip, range: range)
        }
        var iterator = RangeIterator(set: set, lastReserved: store.lastReserved(setIndex: setIndex))
        while let (ip, range) = iterator.next() {
            if try tryReserve(ip) {
                try io { () throws(StoreError) in try store.setLastReserved(ip, setIndex: setIndex) }
                return Allocation(setIndex: setIndex, ip: ip, range: range)
            }
        }
        throw CNIError(
            .tryAgainLater, "failed to allocate for range \(setIndex): no IP addresses available in range set: \(set)",
            details: "every address of the range set is reserved; release some (DEL or GC)")
    }

    // MARK: DEL

    /// Releases every address of `attachment`; unknown attachments are fine. Uses the index
    /// when it verifies, else reads every reservation file (reservations made by the
    /// reference binary, interrupted ADDs). Returns the released addresses.
    @discardableResult
    public func release(_ attachment: CNIAttachment) throws(CNIError) -> [IPAddress] {
        try store.withLock { () throws(CNIError) -> [IPAddress] in
            try io { () throws(StoreError) -> [IPAddress] in
                var released: [IPAddress] = []
                if case .addresses(let listed) = try store.indexEntry(attachment) {
                    for ip in listed where try store.release(ip, ifOwnedBy: attachment) { released.append(ip) }
                }
                if released.isEmpty { released = try store.releaseByScan(attachment) }
                try store.removeIndex(attachment)
                return released
            }
        }
    }

    // MARK: CHECK

    /// The addresses reserved for `attachment` (index first, verified; else a full scan).
    public func reservedAddresses(_ attachment: CNIAttachment) throws(CNIError) -> [IPAddress] {
        try store.withLock { () throws(CNIError) -> [IPAddress] in
            try io { () throws(StoreError) -> [IPAddress] in
                if case .addresses(let listed) = try store.indexEntry(attachment) {
                    let held = try verified(listed, attachment)
                    if !held.isEmpty { return held }
                }
                return try store.findByScan(attachment)
            }
        }
    }

    /// CHECK: the attachment holds a reservation, and every address of `expected` (the
    /// prevResult's addresses) that falls in one of our range sets is reserved by it.
    public func check(_ attachment: CNIAttachment, expected: [IPAddress]) throws(CNIError) {
        let held = try reservedAddresses(attachment)
        guard !held.isEmpty else {
            throw CNIError(
                .unknownContainer, "host-local: Failed to find address added by container \(attachment.containerID)",
                details: "no reservation for CNI_IFNAME \(attachment.ifname) in \(config.networkDirectory)")
        }
        for ip in expected where config.rangeSets.contains(where: { $0.contains(ip) }) && !held.contains(ip) {
            throw CNIError(
                .unknownContainer, "host-local: address \(ip) of prevResult is not reserved by container \(attachment.containerID)",
                details: "reserved for CNI_IFNAME \(attachment.ifname): \(held.map(\.description).joined(separator: ", "))")
        }
    }

    // MARK: GC

    /// Releases every reservation whose owner is not in `valid`. Legacy id-only records are
    /// kept when their container id is in `valid`. Never touches `lock` or
    /// `last_reserved_ip.*`. Index entries of invalid attachments and leftover temporary
    /// files go too. Continues past failures and reports them all.
    @discardableResult
    public func collectGarbage(valid: [CNIAttachment]) throws(CNIError) -> [IPAddress] {
        let validSet = Set(valid)
        let validIDs = Set(valid.map(\.containerID))
        return try store.withLock { () throws(CNIError) -> [IPAddress] in
            var released: [IPAddress] = []
            var failures: [String] = []
            let all = try io { () throws(StoreError) in try store.allReservations() }
            for (ip, content) in all {
                let keep: Bool
                switch ReservationRecord.decode(content) {
                case .attachment(let owner): keep = validSet.contains(owner)
                case .containerID(let id): keep = validIDs.contains(id)
                }
                if keep { continue }
                do throws(StoreError) {
                    if try store.directory.remove(ip.description) { released.append(ip) }
                } catch {
                    failures.append(error.description)
                }
            }
            let names = (try? store.indexDirectoryNames()) ?? []
            for name in names {
                if let owner = AttachmentIndex.attachment(fromEntryName: name), validSet.contains(owner) { continue }
                do throws(StoreError) {
                    try store.removeFromIndexDirectory(name)
                } catch {
                    failures.append(error.description)
                }
            }
            do throws(StoreError) {
                try store.removeIndexDirectoryIfEmpty()
            } catch {
                failures.append(error.description)
            }
            if !failures.isEmpty {
                throw CNIError(.ioFailure, "host-local GC could not release every stale reservation", details: failures.joined(separator: "; "))
            }
            return released
        }
    }

    // MARK: STATUS

    /// STATUS: code 50 when the store cannot be written, or when every address of some
    /// range set is reserved.
    public func status() throws(CNIError) {
        guard store.directory.isWritable else {
            throw CNIError(
                .pluginNotAvailable, "host-local cannot write its data directory",
                details: "\(config.networkDirectory) is not writable")
        }
        let all: [IPAddress]
        do {
            all = try store.allReservations().map(\.ip)
        } catch {
            throw CNIError(.pluginNotAvailable, "host-local cannot read its data directory", details: error.description)
        }
        for (index, set) in config.rangeSets.enumerated() {
            var used: UInt128 = 0
            for ip in all where set.contains(ip) && !set.isGateway(ip) { used += 1 }
            if used >= set.capacity {
                throw CNIError(
                    .pluginNotAvailable, "no IP addresses available in range set: \(set)",
                    details: "range set \(index) has all \(set.capacity) addresses reserved")
            }
        }
    }

    /// The addresses of `listed` whose reservation file names `attachment`.
    private func verified(_ listed: [IPAddress], _ attachment: CNIAttachment) throws(StoreError) -> [IPAddress] {
        var result: [IPAddress] = []
        for ip in listed {
            if let bytes = try store.record(of: ip), ReservationRecord.isExactly(bytes, attachment) { result.append(ip) }
        }
        return result
    }

    /// Runs a store operation, reporting its failure as an I/O error (code 5).
    private func io<T>(_ body: () throws(StoreError) -> T) throws(CNIError) -> T {
        do {
            return try body()
        } catch {
            throw error.cniError
        }
    }
}
