import Foundation

/// `cnictl doctor --json` on one node of a `VxlanCluster`, inside the node's namespace.
struct DoctorReport {
    let status: Int32
    let findings: [[String: String]]
    let stderr: String

    var checks: [String] { findings.compactMap { $0["check"] } }
    var summary: String { "exit \(status): \(findings.map { "\($0["check"] ?? "?") \($0["object"] ?? "?"): \($0["evidence"] ?? "")" }) \(stderr)" }

    func first(_ check: String) -> [String: String]? { findings.first { $0["check"] == check } }
}

extension VxlanCluster {
    func doctor(_ node: Node) throws -> DoctorReport {
        let out = try CnictlRun.run(
            ["doctor", Self.network, "--conf", node.conflist, "--cache-dir", node.cacheDir, "--json"], inNS: node.ns.name)
        let findings = out.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
        }
        return DoctorReport(status: out.status, findings: findings, stderr: out.stderr)
    }
}
