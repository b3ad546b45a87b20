import CNISpec
import Foundation
import NFTables
import NetworkPolicy
import PolicyDataplane
import Testing

/// The pods-only planner of `policy apply` on a state file built in memory: which changes
/// it takes as element updates and which it sends down the full path (no root, no kernel).
@Suite("policy apply pods-only planner")
struct PolicyPodUpdatePlannerTests {
    static let layout = PolicyTableLayout()
    static let policyFile = "/m/policies.yaml"
    static let podFile = "/m/pods.yaml"
    static let inputs = PolicyPodUpdatePlanner.Inputs(
        arguments: ["/m"], workingDirectory: "/work", cacheDirectory: "/cache", layout: layout)

    static func stamp(_ n: Int64) -> FileStamp { FileStamp(device: 1, inode: UInt64(n), size: 100, modified: n, changed: n) }

    /// The state file an apply of the E2E world leaves: policies and namespaces in one file,
    /// every pod in another.
    static func previous() -> PolicyStateFile {
        let state = E2EFixture(policies: PolicyDeltaTests.mixedPolicies).state
        let (program, details) = PolicyCompiler().compileWithDetails(state)
        let pods = state.pods.keys.sorted().map { state.pods[$0]! }
        return PolicyStateFile(
            arguments: inputs.arguments, workingDirectory: inputs.workingDirectory, cacheDirectory: inputs.cacheDirectory,
            table: NFTTableIdentity(handle: 7, use: 42),
            files: [
                .init(path: policyFile, stamp: stamp(1), hasNamespacesOrPolicies: true, pods: []),
                .init(path: podFile, stamp: stamp(2), hasNamespacesOrPolicies: false, pods: pods),
            ],
            cniPods: [:], cache: PolicyStateCache(state: state, program: program, details: details, layout: layout))
    }

    static let newPod = Pod(namespace: "x", name: "a2", labels: ["pod": "a"], ips: [IPAddress("10.244.1.99")!], ports: E2EFixture.servedPorts)

    @Test func theSameInputsMatch() {
        let previous = Self.previous()
        #expect(PolicyPodUpdatePlanner.mismatch(previous, Self.inputs) == nil)
        var other = Self.inputs
        other.arguments = ["/m", "/n"]
        #expect(PolicyPodUpdatePlanner.mismatch(previous, other) != nil)
        other = Self.inputs
        other.cacheDirectory = "/other"
        #expect(PolicyPodUpdatePlanner.mismatch(previous, other) != nil)
        other = Self.inputs
        other.layout = PolicyTableLayout(logGroup: Self.layout.logGroup + 1)
        #expect(PolicyPodUpdatePlanner.mismatch(previous, other)?.contains("layout") == true)
    }

    @Test func unchangedFilesAreNotRead() throws {
        let previous = Self.previous()
        var loads = 0
        let step = try PolicyPodUpdatePlanner.files(
            previous, paths: [Self.policyFile, Self.podFile], stamp: { $0 == Self.policyFile ? Self.stamp(1) : Self.stamp(2) },
            load: { _ in loads += 1; return ManifestObjects() })
        guard case .ready(let files) = step else { Issue.record("\(step)"); return }
        #expect(loads == 0)
        #expect(files.reread == 0)
        #expect(files.files.map(\.path) == [Self.policyFile, Self.podFile])
        guard case .ready(let plan) = PolicyPodUpdatePlanner.plan(previous, files: files.files, cni: [:], layout: Self.layout) else {
            Issue.record("no plan"); return
        }
        #expect(plan.transaction.isEmpty)
        #expect(plan.changedPods == 0)
    }

    @Test func aRewrittenPodFileBecomesAnElementUpdate() throws {
        let previous = Self.previous()
        var rewritten = ManifestObjects()
        rewritten.pods = previous.files[1].pods + [Self.newPod]
        var loaded: [String] = []
        let step = try PolicyPodUpdatePlanner.files(
            previous, paths: [Self.policyFile, Self.podFile], stamp: { $0 == Self.policyFile ? Self.stamp(1) : Self.stamp(3) },
            load: { loaded.append($0); return rewritten })
        guard case .ready(let files) = step else { Issue.record("\(step)"); return }
        #expect(loaded == [Self.podFile])
        #expect(files.reread == 1)
        #expect(files.files[1].stamp == Self.stamp(3))
        guard case .ready(let plan) = PolicyPodUpdatePlanner.plan(previous, files: files.files, cni: [:], layout: Self.layout) else {
            Issue.record("no plan"); return
        }
        let delta = try #require(PolicyDelta.compute(previous.cache, old: previous.pods, new: plan.pods, layout: Self.layout))
        #expect(!plan.transaction.isEmpty)
        #expect(plan.transaction.text == delta.transaction.text)
        #expect(plan.changedPods == 1)
        #expect(plan.pods[ObjectRef(namespace: "x", name: "a2")] == Self.newPod)
        #expect(plan.next.files.map(\.stamp) == [Self.stamp(1), Self.stamp(3)])
        #expect(plan.next.table == previous.table)
    }

    @Test func aCachedPodGivesItsAddressesWithoutAnyManifestChange() throws {
        let previous = Self.previous()
        let cni: [ObjectRef: [IPAddress]] = [ObjectRef(namespace: "x", name: "a"): [IPAddress("10.244.1.77")!]]
        guard case .ready(let plan) = PolicyPodUpdatePlanner.plan(previous, files: previous.files, cni: cni, layout: Self.layout) else {
            Issue.record("no plan"); return
        }
        #expect(plan.changedPods == 1)
        #expect(plan.pods[ObjectRef(namespace: "x", name: "a")]?.ips == [IPAddress("10.244.1.77")!])
        #expect(plan.next.cniPods == cni)
        #expect(!plan.transaction.isEmpty)
    }

    @Test func policiesOrNamespacesNeedTheFullPath() throws {
        let previous = Self.previous()
        let stamps: (String) -> FileStamp? = { _ in Self.stamp(9) }
        var loads = 0
        // The policy file changed: not even read.
        let changed = try PolicyPodUpdatePlanner.files(previous, paths: [Self.policyFile, Self.podFile], stamp: stamps, load: { _ in
            loads += 1
            return ManifestObjects()
        })
        guard case .needsFullPath(let reason) = changed else { Issue.record("\(changed)"); return }
        #expect(reason.contains("held namespaces or policies and changed"))
        #expect(loads == 0)
        // A new file holding a policy.
        var withPolicy = ManifestObjects()
        withPolicy.policies = [PolicyDeltaTests.mixedPolicies[0]]
        let added = try PolicyPodUpdatePlanner.files(
            previous, paths: [Self.policyFile, Self.podFile, "/m/new.yaml"],
            stamp: { $0 == Self.policyFile ? Self.stamp(1) : $0 == Self.podFile ? Self.stamp(2) : Self.stamp(5) },
            load: { _ in withPolicy })
        guard case .needsFullPath(let reason) = added else { Issue.record("\(added)"); return }
        #expect(reason.contains("/m/new.yaml holds namespaces or policies"))
        // The policy file is gone.
        let gone = try PolicyPodUpdatePlanner.files(previous, paths: [Self.podFile], stamp: { _ in Self.stamp(2) }, load: { _ in ManifestObjects() })
        guard case .needsFullPath(let reason) = gone else { Issue.record("\(gone)"); return }
        #expect(reason.contains("is gone"))
        // A file that cannot be stat'ed.
        let missing = try PolicyPodUpdatePlanner.files(previous, paths: [Self.policyFile], stamp: { _ in nil }, load: { _ in ManifestObjects() })
        guard case .needsFullPath(let reason) = missing else { Issue.record("\(missing)"); return }
        #expect(reason.contains("cannot stat"))
    }

    @Test func aChangeOfAddressFamiliesNeedsTheFullPath() {
        // Every pod loses its IPv6 address: the chains are rendered per family.
        let previous = Self.previous()
        var files = previous.files
        files[1] = .init(
            path: Self.podFile, stamp: Self.stamp(3), hasNamespacesOrPolicies: false,
            pods: files[1].pods.map { pod in
                var v4 = pod
                v4.ips = pod.ips.filter { $0.family == .ipv4 }
                return v4
            })
        guard case .needsFullPath(let reason) = PolicyPodUpdatePlanner.plan(previous, files: files, cni: [:], layout: Self.layout) else {
            Issue.record("planned an element update across a change of families"); return
        }
        #expect(reason.contains("chains"))
    }

    @Test func theStateFileRoundTrips() throws {
        let previous = Self.previous()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swcni-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/swcni_netpol-1.state"
        try previous.write(path)
        let read = try #require(PolicyStateFile.read(path))
        #expect(read.json.serialized() == previous.json.serialized())
        #expect(read.files == previous.files)
        #expect(PolicyStateFile.read("\(directory)/missing.state") == nil)
    }
}
