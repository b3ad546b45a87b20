import CNISpec
import Netlink

/// NetworkPolicy's hook into the eBPF data path: `cnictl policy apply` marks the pods a
/// policy isolates (either direction) so that all their traffic takes the kernel path,
/// where the policy table's forward hook sees it; every other local pod is unmarked.
public enum DataPathPolicyMarks {
    /// Applies the marks to every vxlan data path in the current network namespace (one
    /// per VTEP carrying the program). Returns the number of pod entries changed; 0 when
    /// the node has no eBPF data path.
    @discardableResult
    public static func apply(isolated addresses: Set<InetAddress>) throws(CNIError) -> Int {
        try apply(isolatedWhere: { addresses.contains($0) })
    }

    /// As `apply(isolated:)`, deciding each local pod address with `isIsolated` (called
    /// only for the addresses in the data path's pod map: nothing when the node has no
    /// eBPF data path), so a caller need not work out the whole cluster's isolated set.
    @discardableResult
    public static func apply(isolatedWhere isIsolated: (InetAddress) -> Bool) throws(CNIError) -> Int {
        var changed = 0
        for dataPath in try dataPaths() {
            changed += try attempt("mark NetworkPolicy pods in the eBPF data path") { try dataPath.markSlowPath(where: isIsolated) }
        }
        return changed
    }

    /// The addresses marked in the data path of the current namespace (for tests and
    /// diagnostics).
    public static func marked() throws(CNIError) -> Set<InetAddress> {
        var result: Set<InetAddress> = []
        for dataPath in try dataPaths() {
            for (key, value) in try attempt("read the eBPF pod map", { try dataPath.maps.pods.elements() }) {
                guard let entry = DataPathLayout.PodEntry(bytes: value), entry.flags & DataPathLayout.PodEntry.slowPath != 0 else { continue }
                result.insert(DataPathLayout.address(podKey: key))
            }
        }
        return result
    }

    /// Every vxlan data path in the current namespace (one per VTEP carrying the program).
    private static func dataPaths() throws(CNIError) -> [NodeDataPath] {
        let socket = try attempt("open a netlink socket") { try NetlinkSocket() }
        var found: [NodeDataPath] = []
        for link in try attempt("list links", { try socket.links() }) where link.kind == "vxlan" {
            if let dataPath = try attempt("find the eBPF data path on \(link.name)", { try NodeDataPath.find(vtepIndex: link.index) }) {
                found.append(dataPath)
            }
        }
        return found
    }
}
