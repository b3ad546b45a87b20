// Fuzz target `manifest`: the Kubernetes manifest decoder of `cnictl policy` (Namespaces,
// Pods, NetworkPolicies and lists of them, as JSON; YAML is converted to the same values).
//
// Any JSON value either decodes or is refused with a ManifestError naming a path and a
// reason. Decoded objects form a cluster state that the policy evaluator answers for every
// pair of (the first few) pods without trapping, and answers the same way twice.
import NetworkPolicy
import JSONSupport

func fuzzOne(_ input: [UInt8]) {
    guard let value = try? JSONParser.parse(input) else { return }
    let objects: ManifestObjects
    do {
        objects = try ManifestDecoder(source: "fuzz").decode(value)
    } catch {
        fuzzCheck(!error.path.isEmpty && !error.reason.isEmpty, "manifest error without path or reason: \(error)")
        return
    }
    let state = objects.clusterState
    let evaluator = PolicyEvaluator(state)
    let pods = Array(state.policedPods.prefix(4))
    for source in pods {
        for destination in pods {
            guard let from = source.ips.first, let to = destination.ips.first else { continue }
            let ports = destination.ports.prefix(2).map { ($0.proto, $0.port) } + [(.tcp, 80)]
            for (proto, port) in ports {
                let connection = Connection(from: from, to: to, proto: proto, port: port)
                let verdict = evaluator.evaluate(connection)
                fuzzCheck(evaluator.evaluate(connection) == verdict, "two verdicts for \(connection)")
                _ = verdict.description
            }
        }
    }
}
