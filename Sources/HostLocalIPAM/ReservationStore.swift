import CNISpec

/// The reservations of one network on disk, in the reference's layout:
///
///     <dataDir>/<network>/lock                 empty, flock()ed around allocate/release
///     <dataDir>/<network>/<IP>                 "<containerID>\r\n<ifname>"
///     <dataDir>/<network>/last_reserved_ip.<N> last address handed out from range set N
///     <dataDir>/<network>/.swift-cni/<id>:<if> our index (see AttachmentIndex)
///
/// Methods other than `withLock` expect the caller to hold the lock.
public final class ReservationStore {
    public let directory: DirectoryHandle
    private let lockFile: StoreLock
    private var indexDirectory: DirectoryHandle?

    static let lastReservedPrefix = "last_reserved_ip."

    /// Opens the network directory, creating it (and `lock`) when missing.
    public init(path: String) throws(StoreError) {
        directory = try DirectoryHandle(path: path, create: true)
        lockFile = try StoreLock(in: directory)
    }

    public func withLock<T>(_ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        let outcome: Result<T, CNIError>
        do {
            outcome = try lockFile.withLock(body)
        } catch {
            throw error.cniError
        }
        return try outcome.get()
    }

    // MARK: Reservation files

    /// The raw content of an address's reservation file; nil when the address is free.
    public func record(of ip: IPAddress) throws(StoreError) -> [UInt8]? {
        try directory.read(ip.description)
    }

    /// Whether `ip` has a reservation file (whoever owns it).
    public func isReserved(_ ip: IPAddress) throws(StoreError) -> Bool {
        try directory.exists(ip.description)
    }

    /// Creates the reservation file of `ip` for `attachment`; false when it is taken.
    public func reserve(_ ip: IPAddress, for attachment: CNIAttachment) throws(StoreError) -> Bool {
        try directory.createExclusive(ip.description, ReservationRecord.encode(attachment), scratch: try indexDir())
    }

    /// Removes the reservation of `ip` if (and only if) it belongs to `attachment`.
    @discardableResult
    public func release(_ ip: IPAddress, ifOwnedBy attachment: CNIAttachment) throws(StoreError) -> Bool {
        guard let bytes = try record(of: ip), ReservationRecord.isExactly(bytes, attachment) else { return false }
        return try directory.remove(ip.description)
    }

    /// Every reservation file: its address and content. Other files (`lock`,
    /// `last_reserved_ip.*`, our index directory, anything unknown) are not included.
    public func allReservations() throws(StoreError) -> [(ip: IPAddress, content: [UInt8])] {
        var result: [(ip: IPAddress, content: [UInt8])] = []
        for entry in try directory.entries() where !entry.isDirectory {
            guard let ip = IPAddress(entry.name), ip.description == entry.name else { continue }
            guard let content = try directory.read(entry.name) else { continue }
            result.append((ip, content))
        }
        return result
    }

    /// Reservation files released for `attachment` by reading every file, the way the
    /// reference does: exact `id\r\nifname` matches, or, when there are none, legacy
    /// id-only records of the container. Returns the released addresses.
    public func releaseByScan(_ attachment: CNIAttachment) throws(StoreError) -> [IPAddress] {
        let all = try allReservations()
        var matches = all.filter { ReservationRecord.isExactly($0.content, attachment) }.map(\.ip)
        if matches.isEmpty {
            matches = all.filter { ReservationRecord.isLegacy($0.content, of: attachment.containerID) }.map(\.ip)
        }
        for ip in matches { try directory.remove(ip.description) }
        return matches
    }

    /// Addresses reserved for `attachment` found by reading every file (exact or legacy).
    public func findByScan(_ attachment: CNIAttachment) throws(StoreError) -> [IPAddress] {
        let all = try allReservations()
        let exact = all.filter { ReservationRecord.isExactly($0.content, attachment) }.map(\.ip)
        if !exact.isEmpty { return exact }
        return all.filter { ReservationRecord.isLegacy($0.content, of: attachment.containerID) }.map(\.ip)
    }

    // MARK: last_reserved_ip.N

    public func lastReserved(setIndex: Int) -> IPAddress? {
        guard let bytes = try? directory.read(Self.lastReservedPrefix + String(setIndex)) else { return nil }
        return IPAddress(String(decoding: bytes, as: UTF8.self).trimmingSpaces)
    }

    public func setLastReserved(_ ip: IPAddress, setIndex: Int) throws(StoreError) {
        try directory.write(Self.lastReservedPrefix + String(setIndex), Array(ip.description.utf8))
    }

    // MARK: Index

    private func indexDir() throws(StoreError) -> DirectoryHandle {
        if let indexDirectory { return indexDirectory }
        try directory.makeSubdirectory(AttachmentIndex.directoryName)
        guard let handle = try directory.subdirectory(AttachmentIndex.directoryName) else {
            throw StoreError("open directory", directory.pathOf(AttachmentIndex.directoryName), errno: 2)
        }
        indexDirectory = handle
        return handle
    }

    private func existingIndexDir() throws(StoreError) -> DirectoryHandle? {
        if let indexDirectory { return indexDirectory }
        indexDirectory = try directory.subdirectory(AttachmentIndex.directoryName)
        return indexDirectory
    }

    /// The index entry of `attachment`: `.absent`, `.corrupt` (interrupted write), or the
    /// addresses it lists (unverified).
    public enum IndexEntry: Sendable, Equatable {
        case absent
        case corrupt
        case addresses([IPAddress])
    }

    public func indexEntry(_ attachment: CNIAttachment) throws(StoreError) -> IndexEntry {
        guard let dir = try existingIndexDir(),
            let bytes = try dir.read(AttachmentIndex.entryName(attachment))
        else { return .absent }
        guard let ips = AttachmentIndex.decode(bytes) else { return .corrupt }
        return .addresses(ips)
    }

    public func writeIndex(_ attachment: CNIAttachment, _ addresses: [IPAddress]) throws(StoreError) {
        try indexDir().write(AttachmentIndex.entryName(attachment), AttachmentIndex.encode(addresses))
    }

    /// Removes the entry of `attachment`, and the index directory once it is empty, so a
    /// network without attachments holds only `lock` and `last_reserved_ip.*`.
    public func removeIndex(_ attachment: CNIAttachment) throws(StoreError) {
        guard let dir = try existingIndexDir() else { return }
        try dir.remove(AttachmentIndex.entryName(attachment))
        try removeIndexDirectoryIfEmpty()
    }

    public func removeIndexDirectoryIfEmpty() throws(StoreError) {
        if try directory.removeEmptySubdirectory(AttachmentIndex.directoryName) { indexDirectory = nil }
    }

    /// Names in the index directory (entries and leftover temporaries).
    public func indexDirectoryNames() throws(StoreError) -> [String] {
        guard let dir = try existingIndexDir() else { return [] }
        return try dir.entries().filter { !$0.isDirectory }.map(\.name)
    }

    public func removeFromIndexDirectory(_ name: String) throws(StoreError) {
        guard let dir = try existingIndexDir() else { return }
        try dir.remove(name)
    }
}
