import Foundation

/// A namespace cluster whose pods are attached with `cnictl add` on one of its nodes.
protocol CnictlPodCluster: AnyObject {
    associatedtype Node
    /// The prefix of the pod namespaces' names.
    var podPrefix: String { get }
    /// Keeps `pod` to be removed with the cluster.
    func track(_ pod: TestNamespace)
    func name(of node: Node) -> String
    func cnictl(_ node: Node, _ arguments: [String]) throws -> PluginExec.Output
}

extension CnictlPodCluster {
    /// A new pod namespace (loopback up), removed with the cluster.
    func newPod() throws -> TestNamespace {
        let pod = try TestNamespace(prefix: podPrefix)
        track(pod)
        try pod.run(["ip", "link", "set", "lo", "up"])
        return pod
    }

    /// ADDs a pod on `node` with cnictl; returns the pod, its IPv4 address and the result.
    func addPod(_ node: Node, id: String) throws -> (TestNamespace, String, [String: Any]) {
        let pod = try newPod()
        let out = try cnictl(node, ["add", pod.path, "--container-id", id])
        guard out.status == 0, let json = out.json,
            let ips = json["ips"] as? [[String: Any]], let address = ips.first?["address"] as? String
        else {
            throw ShellError(
                command: "cnictl add on \(name(of: node))", output: .init(status: out.status, stdout: out.stdout, stderr: out.stderr))
        }
        return (pod, String(address.split(separator: "/")[0]), json)
    }
}
