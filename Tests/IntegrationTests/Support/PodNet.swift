import Foundation

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
}
