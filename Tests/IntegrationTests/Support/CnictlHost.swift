import Foundation

/// What the cnictl suites that run plugins in a "host" namespace share: the host namespace
/// (cnictl runs inside it, so bridges, host veths and nftables tables live there), a per-test
/// temp root with conf, cache, data and test-double directories, a unique network and bridge
/// name, pod namespaces, and cleanup of all of it.
class CnictlHost {
    let host: TestNamespace
    let root: String
    let network: String
    let bridge: String
    var confDir: String { "\(root)/conf" }
    var cacheDir: String { "\(root)/cache" }
    var dataDir: String { "\(root)/data" }
    var doublesDir: String { "\(root)/bin" }
    private var pods: [TestNamespace] = []
    private let podPrefix: String

    init(hostPrefix: String, podPrefix: String, label: String, networkPrefix: String, bridgePrefix: String) throws {
        host = try TestNamespace(prefix: hostPrefix)
        root = try TestEnvironment.makeTempDir(label)
        network = TestEnvironment.uniqueName(networkPrefix)
        bridge = TestEnvironment.uniqueName(bridgePrefix)
        self.podPrefix = podPrefix
        for dir in [confDir, cacheDir, dataDir, doublesDir] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
    }

    /// A new pod (container) namespace, removed with the fixture.
    func pod() throws -> TestNamespace {
        let ns = try TestNamespace(prefix: podPrefix)
        pods.append(ns)
        return ns
    }

    func remove() {
        pods.forEach { $0.remove() }
        host.remove()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// `cnictl COMMAND NETWORK ARGUMENTS` inside the host namespace with this fixture's
    /// conf and cache directories and `binDir` as CNI_PATH.
    func cnictl(_ command: String, _ arguments: [String], binDir: String) throws -> PluginExec.Output {
        try CnictlRun.run(
            [command, network] + arguments + ["--conf-dir", confDir, "--bin-dir", binDir, "--cache-dir", cacheDir],
            inNS: host.name)
    }

    var reservations: [String] { CnictlRun.reservations(dataDir, network: network) }

    static func with<F: CnictlHost>(_ make: () throws -> F, _ body: (F) throws -> Void) throws {
        let fixture = try make()
        defer { fixture.remove() }
        try body(fixture)
    }
}
