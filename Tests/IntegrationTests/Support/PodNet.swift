import Foundation
import Testing

/// scripts/demo/podnet.py, the pods' side of the vxlan tests: an echo server on TCP :7777
/// that answers with the address it saw, and its clients.
enum PodNet {
    static let script = "\(TestEnvironment.packageRoot)/scripts/demo/podnet.py"

    /// Runs the server in `pod` while `body` runs. It is started detached (no pipes shared
    /// with the test process) and killed by its pid afterwards.
    static func withServer(in pod: TestNamespace, _ body: () throws -> Void) throws {
        let command = "ip netns exec \(pod.name) python3 \(script) serve </dev/null >/dev/null 2>&1 & echo $!"
        let pid = try Shell.must(["sh", "-c", command]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run(["kill", "-9", pid]) }
        for _ in 0..<100 {
            if try pod.run(["ss", "-Htln", "sport = :7777"]).contains("7777") { break }
            usleep(50_000)
        }
        try body()
    }

    /// `podnet tcp DST` from `pod`: the address the server at DST saw.
    static func sourceSeen(from pod: TestNamespace, to destination: String) throws -> String {
        try pod.run(["python3", script, "tcp", destination]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// TCP both ways between two pods (a server in each in turn): each side sees the other's
    /// own address.
    static func expectSourcesSeen(
        _ a: (pod: TestNamespace, ip: String), _ b: (pod: TestNamespace, ip: String),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try withServer(in: b.pod) {
            let seen = try sourceSeen(from: a.pod, to: b.ip)
            #expect(seen == a.ip, "\(b.ip) saw \(seen), the sender is \(a.ip)", sourceLocation: sourceLocation)
        }
        try withServer(in: a.pod) {
            let seen = try sourceSeen(from: b.pod, to: a.ip)
            #expect(seen == b.ip, "\(a.ip) saw \(seen), the sender is \(b.ip)", sourceLocation: sourceLocation)
        }
    }
}
