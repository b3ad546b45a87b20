import Foundation
import Testing

/// The eBPF object embedded in Sources/CVxlanDataPath/datapath_object.c is the one
/// bpf/vxlan_datapath.bpf.c compiles to: `scripts/gen-bpf.sh --check` exits 0. Runs where a
/// clang that can target BPF is installed (the script's own choice: `clang` on PATH, else
/// the Swift toolchain's).
@Suite("eBPF data path object", .enabled(if: BPFToolchain.clangTargetsBPF))
struct DataPathObjectTests {
    @Test func embeddedObjectMatchesTheSource() {
        let check = BPFToolchain.run(["bash", "\(BPFToolchain.packageRoot)/scripts/gen-bpf.sh", "--check"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("up to date"), "\(check.output)")
    }
}

enum BPFToolchain {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The clang gen-bpf.sh would use, if it lists a BPF target.
    static let clangTargetsBPF: Bool = {
        let onPath = run(["sh", "-c", "command -v clang"])
        let clang = onPath.status == 0 ? onPath.output.trimmingCharacters(in: .whitespacesAndNewlines) : "/opt/swift/usr/bin/clang"
        guard FileManager.default.isExecutableFile(atPath: clang) else { return false }
        let targets = run([clang, "-print-targets"])
        return targets.status == 0 && targets.output.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("bpf ") }
    }()

}
