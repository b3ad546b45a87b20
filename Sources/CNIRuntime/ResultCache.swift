#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNISpec
import JSONSupport

/// libcni's on-disk result cache: `<dir>/results/<network>-<containerID>-<ifName>`, files
/// mode 0600 in a 0700 directory, written atomically.
public struct ResultCache: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public var resultsDirectory: String { FileSystem.join(directory, "results") }

    public func path(network: String, containerID: String, ifName: String) -> String {
        FileSystem.join(resultsDirectory, "\(network)-\(containerID)-\(ifName)")
    }

    /// What reading an entry found.
    public enum Lookup: Sendable {
        case missing
        /// The file exists but cannot be used (empty after a crash, truncated, wrong kind...).
        case corrupt(path: String, reason: String)
        case found(CacheEntry)
        /// A pre-v1 file holding only a result (libcni still reads those).
        case legacyResult(JSONValue)
    }

    public func write(_ entry: CacheEntry) throws(CNIError) {
        try FileSystem.makeDirectories(resultsDirectory, mode: 0o700)
        let file = path(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName)
        try FileSystem.writeAtomically(file, entry.json().serializedBytes(), mode: 0o600)
    }

    public func read(network: String, containerID: String, ifName: String) -> Lookup {
        let file = path(network: network, containerID: containerID, ifName: ifName)
        guard FileSystem.exists(file) else { return .missing }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(file)
        } catch {
            return .corrupt(path: file, reason: error.description)
        }
        return Self.decode(bytes, path: file)
    }

    static func decode(_ bytes: [UInt8], path: String) -> Lookup {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return .corrupt(path: path, reason: bytes.isEmpty ? "empty file" : error.description)
        }
        guard let object = value.objectValue else {
            return .corrupt(path: path, reason: "not a JSON object")
        }
        if object["kind"] == nil {
            if object["cniVersion"] != nil { return .legacyResult(value) }
            return .corrupt(path: path, reason: "neither a cniCacheV1 record nor a result")
        }
        do {
            return .found(try CacheEntry(json: value))
        } catch {
            return .corrupt(path: path, reason: error.description)
        }
    }

    public func remove(network: String, containerID: String, ifName: String) throws(CNIError) {
        try FileSystem.removeFile(path(network: network, containerID: containerID, ifName: ifName))
    }

    /// Every readable v1 entry of `network` (libcni's `GetCachedAttachments` filtered by
    /// network), in file-name order. Unreadable files are skipped, as libcni does.
    public func attachments(network: String) -> [CacheEntry] {
        guard FileSystem.isDirectory(resultsDirectory),
            let names = try? FileSystem.listDirectory(resultsDirectory)
        else { return [] }
        var entries: [CacheEntry] = []
        for name in names where name.hasPrefix(network + "-") && !name.contains(".tmp-") {
            let file = FileSystem.join(resultsDirectory, name)
            guard let bytes = try? FileSystem.readFile(file), case .found(let entry) = Self.decode(bytes, path: file) else {
                continue
            }
            if entry.networkName == network && !entry.ifName.isEmpty && !entry.containerID.isEmpty {
                entries.append(entry)
            }
        }
        return entries
    }

    /// Removes the temporary files `<entry>.tmp-<pid>` of `network` that a writer killed
    /// between writing and renaming an entry left behind (a runtime killing a slow ADD): no
    /// DEL or later write ever names them. A file is abandoned when its writer is gone
    /// (`kill(pid, 0)` says no such process) and it is older than `minimumAge` seconds (a
    /// writer in another PID namespace is invisible, but writes and renames in milliseconds).
    /// Best effort; returns the names removed.
    @discardableResult
    public func removeAbandonedTemporaries(network: String, minimumAge: Int = 2, now: Int = Int(time(nil))) -> [String] {
        guard FileSystem.isDirectory(resultsDirectory),
            let names = try? FileSystem.listDirectory(resultsDirectory)
        else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(network + "-") {
            guard let dash = name.lastIndex(of: "-"), name[..<dash].hasSuffix(".tmp"),
                let pid = Int32(name[name.index(after: dash)...]), pid > 0
            else { continue }
            let file = FileSystem.join(resultsDirectory, name)
            guard let modified = FileSystem.modificationTime(file), now - modified >= minimumAge else { continue }
            if kill(pid, 0) == 0 || errno != ESRCH { continue }
            if (try? FileSystem.removeFile(file)) != nil { removed.append(name) }
        }
        return removed
    }
}
