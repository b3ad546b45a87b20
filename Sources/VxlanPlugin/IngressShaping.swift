import CNISpec
import PluginRuntime

extension VxlanPlugin {
    /// Whether the pod's incoming traffic will be rate-limited on its host veth: the
    /// runtime's `bandwidth` capability (given to vxlan too when its configuration declares
    /// `"capabilities": {"bandwidth": true}`, as the shipped conflists do) asks for an
    /// `ingressRate`. The eBPF data path then delivers packets for the pod through the kernel
    /// path and the veth's qdisc; `redirect_peer` would bypass the limit.
    static func ingressShaped(_ request: CNIRequest) throws(CNIError) -> Bool {
        guard let bandwidth = try request.config.runtimeConfig.object("bandwidth") else { return false }
        return (try bandwidth.int("ingressRate") ?? 0) > 0
    }
}
