import CNIRuntime
import NetworkPolicy
import JSONSupport

/// Pods this node attached with CNI ADD, from the result cache: `K8S_POD_NAMESPACE` and
/// `K8S_POD_NAME` of CNI_ARGS name the pod, the cached result's `ips` give its addresses.
public enum CachedPods {
    public static func read(cacheDirectory: String) -> [ObjectRef: [IPAddress]] {
        let cache = ResultCache(directory: cacheDirectory)
        guard FileSystem.isDirectory(cache.resultsDirectory),
            let names = try? FileSystem.listDirectory(cache.resultsDirectory)
        else { return [:] }
        var pods: [ObjectRef: [IPAddress]] = [:]
        for name in names.sorted() where !name.contains(".tmp-") {
            let file = FileSystem.join(cache.resultsDirectory, name)
            guard let bytes = try? FileSystem.readFile(file), let json = try? JSONParser.parse(bytes),
                let entry = try? CacheEntry(json: json)
            else { continue }
            let args = Dictionary(entry.cniArgs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            guard let namespace = args["K8S_POD_NAMESPACE"], let pod = args["K8S_POD_NAME"], !namespace.isEmpty, !pod.isEmpty else { continue }
            var ips: [IPAddress] = []
            for entry in entry.result?.objectValue?["ips"]?.arrayValue ?? [] {
                guard let text = entry.objectValue?["address"]?.stringValue else { continue }
                let address = text.split(separator: "/").first.map(String.init) ?? text
                if let ip = IPAddress(address), !ips.contains(ip) { ips.append(ip) }
            }
            let ref = ObjectRef(namespace: namespace, name: pod)
            let known = pods[ref] ?? []
            pods[ref] = known + ips.filter { !known.contains($0) }
        }
        return pods
    }

    /// Gives cached pods their node-local addresses: a manifest pod known to the cache takes
    /// the cached IPs; a cached pod without manifest is policed with no labels.
    public static func merge(_ cached: [ObjectRef: [IPAddress]], into state: inout ClusterState) {
        for (ref, ips) in cached where !ips.isEmpty {
            var pod = state.pods[ref] ?? Pod(namespace: ref.namespace, name: ref.name)
            pod.ips = ips
            state.upsert(pod)
        }
    }
}
