import Foundation
import Testing

/// `scripts/demo.sh` (issue 4): a small cluster in namespaces, full-mesh TCP with the
/// sender's own address, DF packets of MTU size; and nothing left behind afterwards.
@Suite("demo script", .enabled(if: TestEnvironment.canRunNetNSTests), .serialized)
struct DemoScriptTests {
    static let script = "\(TestEnvironment.packageRoot)/scripts/demo.sh"

    /// Runs the demo and returns its output, after checking its namespaces and work folder are gone.
    func runDemo(_ extra: [String]) throws -> String {
        let before = Set(try demoWorkDirs())
        let output = try Shell.run(["bash", Self.script, "--nodes", "2", "--pods", "1", "--bin-dir", TestEnvironment.binDir] + extra)
        #expect(output.status == 0, "demo.sh \(extra) failed:\n\(output.stdout)\n\(output.stderr)")
        // The namespace prefix of the run: "underlay: bridge ul0 in namespace swcni-dPID-ul; ...".
        let line = try #require(output.stdout.split(separator: "\n").first { $0.contains("in namespace swcni-d") }, "\(output.stdout)")
        let token = try #require(line.split(separator: " ").first { $0.hasPrefix("swcni-d") })
        let prefix = String(token.prefix { $0 != ";" }.dropLast("ul".count))
        let namespaces = try Shell.must(["ip", "netns", "list"])
        #expect(!namespaces.contains(prefix), "demo left namespaces \(prefix)*:\n\(namespaces)")
        #expect(Set(try demoWorkDirs()).subtracting(before).isEmpty, "demo left its work folder in /tmp")
        return output.stdout
    }

    /// The PATH column of the full-mesh table (SENDER, SENDER IP, RECEIVER, RECEIVER IP, PATH, ...).
    func paths(_ out: String) -> [String] {
        var result: [String] = []
        for line in out.split(separator: "\n") {
            let columns: [Substring] = line.split(separator: " ")
            guard columns.count == 7, columns[0].hasPrefix("node"), columns[2].hasPrefix("node") else { continue }
            result.append(String(columns[4]))
        }
        return result
    }

    func demoWorkDirs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("swcni-demo.") }
    }

    @Test func vxlanClusterReachesEveryPodWithItsOwnAddressAndCleansUp() throws {
        let out = try runDemo([])
        #expect(out.contains("summary: TCP 2/2 with the sender's own address; DF 2/2"), "\(out)")
        #expect(paths(out) == ["vxlan", "vxlan"], "cross-node pairs must go through the VTEP:\n\(out)")
    }

    @Test func directRoutingClusterRoutesWithoutEncapsulation() throws {
        let out = try runDemo(["--direct-routing"])
        #expect(out.contains("summary: TCP 2/2 with the sender's own address; DF 2/2"), "\(out)")
        #expect(paths(out) == ["direct", "direct"], "cross-node pairs must be routed directly:\n\(out)")
    }

    /// `--routing bgp`: two nodes on two segments behind a router running BIRD; routed pods,
    /// no VXLAN on the underlay, a killed BIRD's CIDR withdrawn and restored; every BIRD and
    /// namespace gone afterwards.
    @Test(.enabled(if: BirdProcess.available || TestEnvironment.isCI))
    func bgpClusterRoutesAcrossSegmentsThroughBird() throws {
        let out = try runDemo(["--routing", "bgp"])
        #expect(out.contains("summary: TCP 2/2 with the sender's own address; DF 2/2 (MTU-size passes, MTU+1 refused); BGP: no VXLAN, withdrawn and restored"), "\(out)")
        #expect(paths(out) == ["bgp", "bgp"], "cross-node pairs must take BIRD's routes:\n\(out)")
        #expect(out.contains("pod MTU: 1500"), "\(out)")
        let work = try #require(out.range(of: #"/tmp/swcni-demo\.[A-Za-z0-9]+/"#, options: .regularExpression).map { String(out[$0]) })
        let leftover = try Shell.run(["pgrep", "-af", work])
        #expect(leftover.stdout.isEmpty, "BIRD processes of the demo are still running: \(leftover.stdout)")
    }
}
