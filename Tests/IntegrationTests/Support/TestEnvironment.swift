import Foundation
import Testing

/// Where the binaries under test are and whether this machine can host namespace tests.
enum TestEnvironment {
    /// The directory holding our release binaries (`SWIFT_CNI_BIN_DIR`, set by scripts/test.sh),
    /// falling back to `.build/release` and then `.build/debug` of this package.
    static let binDir: String = {
        if let dir = ProcessInfo.processInfo.environment["SWIFT_CNI_BIN_DIR"], !dir.isEmpty { return dir }
        let root = packageRoot
        for candidate in [".build/release", ".build/debug"] {
            let path = "\(root)/\(candidate)"
            if FileManager.default.isExecutableFile(atPath: "\(path)/loopback") { return path }
        }
        return "\(root)/.build/release"
    }()

    /// Debian's Go reference plugins (containernetworking-plugins).
    static let referenceDir: String =
        ProcessInfo.processInfo.environment["SWIFT_CNI_REFERENCE_DIR"] ?? "/usr/lib/cni"

    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let isRoot = geteuid() == 0
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Namespace tests run as root; under CI they run regardless, so a missing privilege fails
    /// them instead of skipping them.
    static let canRunNetNSTests = isRoot || isCI

    static func binary(_ name: String) -> String { "\(binDir)/\(name)" }
    static func reference(_ name: String) -> String { "\(referenceDir)/\(name)" }

    /// A prefix unique to this test run, for namespaces, links and temp directories.
    static let runID: String = {
        let pid = ProcessInfo.processInfo.processIdentifier
        let t = UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000))
        return String(format: "%x%x", pid & 0xfff, t & 0xffff)
    }()

    private static let counter = Counter()
    /// A unique short name such as `swcni-3a1f2b-7` (at most 15 bytes when `prefix` has at
    /// most 3: the counter is hexadecimal, so a full run's ~1000+ names keep it at 3 digits).
    static func uniqueName(_ prefix: String = "swcni") -> String {
        "\(prefix)-\(runID)-\(String(counter.next(), radix: 16))"
    }

    /// A new temporary directory, removed by the caller.
    static func makeTempDir(_ label: String = "t") throws -> String {
        let path = "\(NSTemporaryDirectory())swcni-\(label)-\(uniqueName("d"))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
