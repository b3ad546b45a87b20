#if canImport(Glibc)
import Glibc
#endif
import CNIRuntime
import CNISpec
import NFTables
import NetworkPolicy
import JSONSupport
import SystemSupport

/// What `policy apply` leaves behind for the next apply (one file per table and node
/// namespace, `<state-dir>/<table>-<netns inode>.state`, replaced atomically after every
/// successful apply): the inputs (arguments, working directory, CNI cache directory), each
/// manifest file's stamp and pods (or that it held namespaces or policies), the CNI-cache pods,
/// the table's identity after the apply, and the `PolicyStateCache` of the compiled program.
public struct PolicyStateFile {
    static let formatVersion = 2

    public struct ManifestFile: Equatable {
        public let path: String
        public let stamp: FileStamp
        /// The file held namespaces or policies (any change to it needs a full compile).
        public let hasNamespacesOrPolicies: Bool
        public let pods: [Pod]

        public init(path: String, stamp: FileStamp, hasNamespacesOrPolicies: Bool, pods: [Pod]) {
            self.path = path
            self.stamp = stamp
            self.hasNamespacesOrPolicies = hasNamespacesOrPolicies
            self.pods = pods
        }
    }

    public var arguments: [String]
    public var workingDirectory: String
    public var cacheDirectory: String
    public var table: NFTTableIdentity
    public var files: [ManifestFile]
    public var cniPods: [ObjectRef: [IPAddress]]
    public var cache: PolicyStateCache

    public init(
        arguments: [String], workingDirectory: String, cacheDirectory: String, table: NFTTableIdentity, files: [ManifestFile],
        cniPods: [ObjectRef: [IPAddress]], cache: PolicyStateCache
    ) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.cacheDirectory = cacheDirectory
        self.table = table
        self.files = files
        self.cniPods = cniPods
        self.cache = cache
    }

    /// Pods of the manifests (later files win), then the CNI cache's addresses: what
    /// `PolicyOptions.clusterState` builds.
    public static func pods(_ files: [[Pod]], cni: [ObjectRef: [IPAddress]]) -> [ObjectRef: Pod] {
        var state = ClusterState()
        for pods in files { for pod in pods { state.upsert(pod) } }
        CachedPods.merge(cni, into: &state)
        return state.pods
    }

    public var pods: [ObjectRef: Pod] { Self.pods(files.map(\.pods), cni: cniPods) }

    public static func path(directory: String, table: String, netns: String?) -> String {
        var info = stat()
        let inode = stat(netns ?? "/proc/self/ns/net", &info) == 0 ? String(info.st_ino) : "unknown"
        return FileSystem.join(directory, "\(table)-\(inode).state")
    }

    public var json: JSONValue {
        func num(_ value: Int64) -> JSONValue { .number(String(value)) }
        return .object(JSONObject([
            ("version", .number(String(Self.formatVersion))),
            ("arguments", .array(arguments.map(JSONValue.string))),
            ("workingDirectory", .string(workingDirectory)),
            ("cacheDirectory", .string(cacheDirectory)),
            ("table", .array([.number(String(table.handle)), .number(String(table.use))])),
            ("files", .array(files.map { file in
                .array([.string(file.path), .array(file.stamp.fields.map(num)), .bool(file.hasNamespacesOrPolicies), .array(file.pods.map(PodJSON.encode))])
            })),
            ("cniPods", .array(cniPods.keys.sorted().map { ref in
                .array([.string(ref.namespace), .string(ref.name), .array(cniPods[ref]!.map { .string($0.description) })])
            })),
            ("compiled", cache.json),
        ]))
    }

    /// nil when the file is missing, of another format version, or malformed.
    public static func read(_ path: String) -> PolicyStateFile? {
        guard let bytes = try? FileSystem.readFile(path), let json = try? JSONParser.parse(bytes), let object = json.objectValue,
            object["version"]?.intValue == formatVersion,
            let arguments = object["arguments"]?.arrayValue?.compactMap(\.stringValue),
            let workingDirectory = object["workingDirectory"]?.stringValue, let cacheDirectory = object["cacheDirectory"]?.stringValue,
            let table = object["table"]?.arrayValue, table.count == 2,
            let handle = table[0].intValue, let use = table[1].intValue,
            let fileItems = object["files"]?.arrayValue, let cniItems = object["cniPods"]?.arrayValue,
            let compiled = object["compiled"], let cache = PolicyStateCache(json: compiled)
        else { return nil }
        var files: [ManifestFile] = []
        for item in fileItems {
            guard let fields = item.arrayValue, fields.count == 4, let path = fields[0].stringValue,
                let stamp = fields[1].arrayValue.flatMap({ FileStamp(fields: $0.compactMap { $0.intValue.map(Int64.init) }) }),
                let other = fields[2].boolValue, let podItems = fields[3].arrayValue
            else { return nil }
            var pods: [Pod] = []
            for podItem in podItems {
                guard let pod = PodJSON.decode(podItem) else { return nil }
                pods.append(pod)
            }
            files.append(ManifestFile(path: path, stamp: stamp, hasNamespacesOrPolicies: other, pods: pods))
        }
        var cniPods: [ObjectRef: [IPAddress]] = [:]
        for item in cniItems {
            guard let fields = item.arrayValue, fields.count == 3, let namespace = fields[0].stringValue, let name = fields[1].stringValue,
                let ips = fields[2].arrayValue
            else { return nil }
            cniPods[ObjectRef(namespace: namespace, name: name)] = ips.compactMap { $0.stringValue.flatMap(IPAddress.init) }
        }
        return PolicyStateFile(
            arguments: arguments, workingDirectory: workingDirectory, cacheDirectory: cacheDirectory,
            table: NFTTableIdentity(handle: UInt64(handle), use: UInt32(use)), files: files, cniPods: cniPods, cache: cache)
    }

    /// Replaces the file atomically (temporary file + rename), without fsync: it is a cache.
    /// After a crash it is old, empty or new; an old one describes a table that is gone (nftables
    /// does not survive a reboot), so the identity check sends the next apply down the full path.
    public func write(_ path: String) throws(CNIError) {
        try FileSystem.makeDirectories(FileSystem.parentDirectory(path), mode: 0o700)
        do {
            try AtomicFile.write(path, json.serializedBytes(), mode: 0o600, sync: false)
        } catch {
            throw CNIError(.ioFailure, "\(error.operation) \(error.path) failed", details: SystemError.describe(error.errno))
        }
    }
}
