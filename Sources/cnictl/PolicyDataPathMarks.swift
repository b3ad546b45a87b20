import CNISpec
import Netlink
import NetworkPolicy
import PolicyDataplane
import VxlanDataPath

/// NetworkPolicy on the vxlan eBPF data path: pod traffic on the fast path skips the node's
/// forward hook, where the policy table decides, so every local pod a policy isolates (its
/// addresses in a dispatch map, either direction) is marked to take the kernel path and
/// every other local pod is unmarked (`VxlanDataPath.DataPathPolicyMarks`). Called in the node
/// namespace, under the nftables lock, after each successful `policy apply`; `policy delete`
/// unmarks every pod. A node without the eBPF data path costs a link dump.
///
/// The marks belong to the node, not to one table: one policy table per node namespace.
enum PolicyDataPathMarks {
    /// Full path: the compiled program's dispatch keys.
    static func apply(_ program: PolicyProgram) throws(CNIError) {
        var isolated: Set<InetAddress> = []
        for ip in program.ingressDispatch.keys { if let address = InetAddress(bytes: ip.bytes) { isolated.insert(address) } }
        for ip in program.egressDispatch.keys { if let address = InetAddress(bytes: ip.bytes) { isolated.insert(address) } }
        try DataPathPolicyMarks.apply(isolated: isolated)
    }

    /// Pods-only path: the same set without a compile, decided only for the local pods the
    /// data path holds (the cluster's pods are indexed by address on the first one).
    static func apply(cache: PolicyStateCache, pods: [ObjectRef: Pod]) throws(CNIError) {
        var holders: [IPAddress: [Pod]]?
        var isolation: PolicyStateCache.Isolation?
        try DataPathPolicyMarks.apply { address in
            if holders == nil {
                var index: [IPAddress: [Pod]] = [:]
                for pod in pods.values { for ip in pod.ips { index[ip, default: []].append(pod) } }
                holders = index
                isolation = PolicyStateCache.Isolation(cache)
            }
            guard let ip = IPAddress(bytes: address.bytes), let candidates = holders?[ip] else { return false }
            return candidates.contains { isolation!.isolates($0) }
        }
    }

    /// No policy table: every pod back on the fast path.
    static func clear() throws(CNIError) {
        try DataPathPolicyMarks.apply(isolated: [])
    }
}
