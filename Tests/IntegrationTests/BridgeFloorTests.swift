import Foundation
import Testing

/// The bench's floor (bench/floor/bridge_add_floor.c) must do the kernel work of our bridge +
/// host-local ADD, or its figure means nothing: built here with cc and libmnl, it and our
/// bridge each ADD two pods in namespaces of their own (the first ADD creates bridge, nftables
/// accepts and store; the second finds them, as every bench run but the first), and
/// bench/floor/check_floor.py compares links, bridge ports, addresses, routes, sysctls, the
/// nftables ruleset and the store files of the two sides.
@Suite("bench floor", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeFloorTests {
    @Test func floorConfiguresTheKernelAsOurADD() throws {
        let root = TestEnvironment.packageRoot
        let out = try TestEnvironment.makeTempDir("floor")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let build = try Shell.run(["make", "-s", "-C", "\(root)/bench/floor", "O=\(out)"])
        try #require(build.status == 0, "building the floor: \(build.stderr)")

        let check = try Shell.run([
            "python3", "\(root)/bench/floor/check_floor.py", "--ours", TestEnvironment.binDir,
            "--floor", "\(out)/bridge_add_floor",
        ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("agree on all"), "\(check.stdout)")
    }
}
