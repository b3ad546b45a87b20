import PluginRuntime
import CNISpec
import Foundation
import Testing

/// Every binary of one build names that build: `--version` prints the identity carried by its
/// ELF note (owner `swift-cni`), the same in every binary, and so does the plugins' usage text
/// (no `CNI_COMMAND`). Installed binaries are stripped (scripts/setup.sh, scripts/release.sh):
/// the note, and with it `--version` and the bridge's same-build host-local check, must
/// survive `strip --strip-all`.
@Suite("build identity and --version, before and after strip")
struct BuildIdentityTests {
    static let binaries: [String] = {
        let list = (try? String(contentsOfFile: TestEnvironment.packageRoot + "/scripts/plugins.txt", encoding: .utf8)) ?? ""
        return list.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty } + ["cnictl"]
    }()

    /// A directory holding `strip --strip-all` copies of every binary.
    static func strippedCopies() throws -> String {
        let dir = try TestEnvironment.makeTempDir("stripped")
        for name in binaries {
            try Shell.must(["strip", "--strip-all", "-o", dir + "/" + name, TestEnvironment.binary(name)])
        }
        return dir
    }

    static func version(_ path: String) throws -> Shell.Output {
        try Shell.run([path, "--version"], environment: ["PATH": "/usr/bin:/bin"])
    }

    @Test func everyBinaryPrintsTheSameIdentityAsItsNote() throws {
        #expect(Self.binaries.count >= 9, "plugins.txt and cnictl: \(Self.binaries)")
        var identities: Set<String> = []
        for name in Self.binaries {
            let path = TestEnvironment.binary(name)
            let out = try Self.version(path)
            #expect(out.status == 0, "\(name) --version: \(out.status) \(out.stderr)")
            let note = BuildIdentity.of(path: path)
            #expect(note?.hasPrefix("swift-cni ") == true, "\(name) carries the note: \(String(describing: note))")
            #expect(out.stdout == (note ?? "<no note>") + "\n", "\(name) --version prints its note's identity")
            identities.insert(out.stdout)
        }
        #expect(identities.count == 1, "one build, one identity: \(identities)")
    }

    @Test func usageTextNamesTheBuild() throws {
        let path = TestEnvironment.binary("loopback")
        let out = try Shell.run([path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(out.status == 0)
        #expect(out.stdout.isEmpty, "usage goes to stderr")
        #expect(out.stderr.contains("\nbuild: \(BuildIdentity.of(path: path) ?? "<no note>")\n"), "got \(out.stderr)")
    }

    @Test func strippedBinariesKeepTheirIdentity() throws {
        let dir = try Self.strippedCopies()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in Self.binaries {
            let original = TestEnvironment.binary(name)
            let stripped = dir + "/" + name
            let size = (try FileManager.default.attributesOfItem(atPath: stripped)[.size] as? Int) ?? 0
            let originalSize = (try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int) ?? 0
            #expect(size > 0 && size <= originalSize, "\(name): stripped \(size) bytes, unstripped \(originalSize)")
            #expect(BuildIdentity.of(path: stripped) == BuildIdentity.of(path: original), "\(name): note kept by strip")
            let out = try Self.version(stripped)
            let unstripped = try Self.version(original)
            #expect(out.status == 0 && out.stdout == unstripped.stdout, "\(name) stripped --version: \(out.stdout)")
        }
    }

    /// The stripped bridge still recognises the stripped host-local beside it as the same
    /// build and runs it in-process (nothing exec'd), as the unstripped pair does.
    @Test(.enabled(if: TestEnvironment.canRunNetNSTests))
    func strippedBridgeRunsStrippedHostLocalInProcess() throws {
        let dir = try Self.strippedCopies()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BridgeTestHost.with { h in
            h.ipamDir = dir
            let executed = try BridgeIPAMDriverTests.lifecycle(h, binary: dir + "/bridge", trace: true)
            #expect(executed.isEmpty, "stripped host-local beside the stripped bridge: in-process; got \(executed)")
        }
    }
}
