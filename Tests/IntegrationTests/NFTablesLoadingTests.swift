import Foundation
import Testing

/// libnftables is loaded with dlopen() when something must be written, never at start-up.
@Suite("nftables loading")
struct NFTablesLoadingTests {
    @Test func executablesLinkingNFTablesDoNotNeedLibnftables() throws {
        // This test executable links the NFTables target, as a plugin would.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let output = try Shell.run(["readelf", "-d", executable])
        try #require(output.status == 0, "readelf failed: \(output.stderr)")
        let needed = output.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty, "readelf printed no NEEDED entries: \(output.stdout)")
        #expect(!needed.contains { $0.contains("libnftables") }, "\(needed)")
    }
}
