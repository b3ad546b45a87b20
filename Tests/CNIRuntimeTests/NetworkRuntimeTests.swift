import CNIRuntime
import CNISpec
import Foundation
import Testing
import JSONSupport

/// The orchestration against a scripted executor: order, prevResult chaining, rollback,
/// cache use, environment.
@Suite("network runtime orchestration")
struct NetworkRuntimeTests {
    static func result(_ address: String, version: String = "1.0.0") -> String {
        #"{"cniVersion":"\#(version)","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"interface":0,"address":"\#(address)"}],"dns":{}}"#
    }

    func makeList(_ types: [String], version: CNIVersion = .v1_0_0, disableCheck: Bool = false, disableGC: Bool = false)
        -> NetworkConfigList
    {
        NetworkConfigList(
            name: "net", cniVersion: version, disableCheck: disableCheck, disableGC: disableGC,
            plugins: types.map { try! object(#"{"type":"\#($0)","capabilities":{"mac":true}}"#) },
            bytes: Array("conf".utf8), source: "test")
    }

    let rt = RuntimeConf(
        containerID: "ctr1", netns: "/run/netns/x", ifName: "eth0", args: [CNIArgPair("A", "1"), CNIArgPair("B", "2")],
        capabilityArgs: try! object(#"{"mac":"02:00:00:00:00:09","ips":["1.2.3.4/24"]}"#))

    func runtime(_ executor: FakeExecutor, cacheDir: String) -> NetworkRuntime {
        NetworkRuntime(
            pluginPath: ["/fake", "/other"], cacheDirectory: cacheDir, executor: executor,
            baseEnvironment: ["PATH=/bin", "CNI_COMMAND=stale", "CNI_NETNS=/stale"], log: { _ in })
    }

    @Test func addChainsResultsAndCachesTheFinalOne() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { type, _, _ in
            // Plugin b answers in 0.4.0 format: must be converted before reaching c.
            switch type {
            case "a": return FakeExecutor.success(Self.result("10.0.0.2/24"))
            case "b": return FakeExecutor.success(#"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.3/24"}]}"#)
            default: return FakeExecutor.success(Self.result("10.0.0.4/24"))
            }
        }
        let final = try runtime(executor, cacheDir: dir.path).add(makeList(["a", "b", "c"]), rt)
        #expect(executor.trace == ["a:ADD", "b:ADD", "c:ADD"])
        let calls = executor.calls
        #expect(calls[0].request["prevResult"] == nil)
        #expect(calls[1].request["prevResult"] == (try json(Self.result("10.0.0.2/24"))))
        #expect(calls[2].request["prevResult"] == (try json(#"{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3/24"}],"dns":{}}"#)))
        #expect(calls[0].request["runtimeConfig"] == (try json(#"{"mac":"02:00:00:00:00:09"}"#)))
        #expect(final == (try json(Self.result("10.0.0.4/24"))))

        // libcni's environment: every CNI_* set, inherited variables kept, stale ones replaced.
        let env = calls[0].environment
        #expect(env["CNI_COMMAND"] == "ADD" && env["CNI_CONTAINERID"] == "ctr1" && env["CNI_NETNS"] == "/run/netns/x")
        #expect(env["CNI_IFNAME"] == "eth0" && env["CNI_ARGS"] == "A=1;B=2" && env["CNI_PATH"] == "/fake:/other")
        #expect(env["PATH"] == "/bin")

        guard case .found(let entry) = ResultCache(directory: dir.path).read(network: "net", containerID: "ctr1", ifName: "eth0") else {
            Issue.record("no cache entry")
            return
        }
        #expect(entry.result == final.sortingKeys())
        #expect(entry.config == Array("conf".utf8))
        #expect(entry.netns == "/run/netns/x" && entry.cniArgs == rt.args)
        // Stored like Go stores a map: keys sorted.
        #expect(entry.capabilityArgs.keys == ["ips", "mac"])
        #expect(JSONValue.object(entry.capabilityArgs) == JSONValue.object(rt.capabilityArgs).sortingKeys())
    }

    @Test func failedAddRollsBackTheFailedPluginAndEveryEarlierOne() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { type, command, _ in
            if type == "b" && command == "ADD" { return FakeExecutor.failure(code: 11, msg: "b exploded") }
            if type == "a" && command == "DEL" { return FakeExecutor.failure(code: 999, msg: "rollback failure is only logged") }
            return FakeExecutor.success(command == "ADD" ? Self.result("10.0.0.2/24") : "")
        }
        do {
            _ = try runtime(executor, cacheDir: dir.path).add(makeList(["a", "b", "c"]), rt)
            Issue.record("expected failure")
        } catch {
            guard case .plugin(let failure) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(failure.index == 1 && failure.type == "b" && failure.command == .add)
            #expect(failure.error.code.rawValue == 11 && failure.error.msg == "b exploded")
            #expect(error.json(version: .v1_0_0) == (try json(#"{"code":11,"msg":"b exploded"}"#)))
        }
        #expect(executor.trace == ["a:ADD", "b:ADD", "b:DEL", "a:DEL"])
        // The rollback DELs carry what was built so far.
        #expect(executor.calls[2].request["prevResult"] == (try json(Self.result("10.0.0.2/24"))))
        guard case .missing = ResultCache(directory: dir.path).read(network: "net", containerID: "ctr1", ifName: "eth0") else {
            Issue.record("a failed ADD must not leave a cache entry")
            return
        }
    }

    @Test func invalidResultIsAFailureOfThatPlugin() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, command, _ in FakeExecutor.success(command == "ADD" ? "not json" : "") }
        #expect(throws: RuntimeError.self) { try runtime(executor, cacheDir: dir.path).add(makeList(["a"]), rt) }
        #expect(executor.trace == ["a:ADD", "a:DEL"])
    }

    @Test func missingPluginIsReportedWithTheSearchPath() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success(Self.result("10.0.0.2/24")) }
        do {
            _ = try runtime(executor, cacheDir: dir.path).add(makeList(["a", "missing"]), rt)
            Issue.record("expected failure")
        } catch {
            #expect(error.description.contains("failed to find plugin \"missing\""))
            #expect(error.description.contains("/fake /other"))
        }
        #expect(executor.trace == ["a:ADD", "a:DEL"])
    }

    @Test func delRunsInReverseWithCachedPrevResultAndStopsAtFirstError() throws {
        let dir = try TempDir()
        let ok = FakeExecutor { _, command, _ in FakeExecutor.success(command == "ADD" ? Self.result("10.0.0.7/24") : "") }
        let list = makeList(["a", "b", "c"])
        _ = try runtime(ok, cacheDir: dir.path).add(list, rt)
        #expect(try runtime(ok, cacheDir: dir.path).check(list, rt) == .checked)
        #expect(ok.trace == ["a:ADD", "b:ADD", "c:ADD", "a:CHECK", "b:CHECK", "c:CHECK"])
        #expect(ok.calls[3].request["prevResult"] == (try json(Self.result("10.0.0.7/24"))))

        let failing = FakeExecutor { type, _, _ in
            type == "b" ? FakeExecutor.failure(code: 5, msg: "b cannot") : FakeExecutor.success()
        }
        #expect(throws: RuntimeError.self) { try runtime(failing, cacheDir: dir.path).del(list, rt) }
        #expect(failing.trace == ["c:DEL", "b:DEL"])
        #expect(failing.calls[0].request["prevResult"] == (try json(Self.result("10.0.0.7/24"))))
        // Still cached after a failed DEL, so the DEL can be retried with prevResult.
        guard case .found = ResultCache(directory: dir.path).read(network: "net", containerID: "ctr1", ifName: "eth0") else {
            Issue.record("entry removed after failed DEL")
            return
        }
        try runtime(ok, cacheDir: dir.path).del(list, rt)
        guard case .missing = ResultCache(directory: dir.path).read(network: "net", containerID: "ctr1", ifName: "eth0") else {
            Issue.record("entry not removed after DEL")
            return
        }
        // DEL again: no cache, no prevResult, success.
        try runtime(ok, cacheDir: dir.path).del(list, rt)
        #expect(ok.calls.last?.request["prevResult"] == nil)
    }

    @Test func delToleratesACorruptCacheEntry() throws {
        let dir = try TempDir()
        try dir.write("results/net-ctr1-eth0", "")
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        try runtime(executor, cacheDir: dir.path).del(makeList(["a"]), rt)
        #expect(executor.trace == ["a:DEL"])
        #expect(executor.calls[0].request["prevResult"] == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/results/net-ctr1-eth0"))
    }

    @Test func oldVersionsGetNoPrevResultOnDelAndCannotCheck() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, command, _ in
            FakeExecutor.success(command == "ADD" ? #"{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.0.0.2/24"}]}"# : "")
        }
        let list = makeList(["a"], version: .v0_3_1)
        _ = try runtime(executor, cacheDir: dir.path).add(list, rt)
        try runtime(executor, cacheDir: dir.path).del(list, rt)
        #expect(executor.calls[1].request["prevResult"] == nil)
        do {
            _ = try runtime(executor, cacheDir: dir.path).check(list, rt)
            Issue.record("CHECK below 0.4.0 must fail")
        } catch {
            #expect(error.cniError.code == .incompatibleVersion)
        }
    }

    @Test func checkWithoutCacheOrWhenDisabled() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        do {
            _ = try runtime(executor, cacheDir: dir.path).check(makeList(["a"]), rt)
            Issue.record("CHECK without a cached result must fail")
        } catch {
            #expect(error.cniError.code == .unknownContainer)
        }
        #expect(try runtime(executor, cacheDir: dir.path).check(makeList(["a"], disableCheck: true), rt) == .disabled)
        #expect(executor.calls.isEmpty)
    }

    @Test func gcDeletesStaleAttachmentsWithTheirRecordedInputsThenSendsGC() throws {
        let dir = try TempDir()
        let list = makeList(["a", "b"], version: .v1_1_0)
        let cache = ResultCache(directory: dir.path)
        for (id, netns) in [("keep", "/run/netns/k"), ("stale", "/run/netns/s")] {
            try cache.write(
                CacheEntry(
                    containerID: id, config: [], ifName: "eth0", networkName: "net", netns: netns, cniArgs: [CNIArgPair("X", id)],
                    capabilityArgs: try object(#"{"mac":"02:00:00:00:00:01"}"#), result: try json(Self.result("10.0.0.9/24", version: "1.1.0"))))
        }
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        let report = try runtime(executor, cacheDir: dir.path).gc(list, explicitValid: [CNIAttachment(containerID: "keep", ifname: "eth0")])
        #expect(executor.trace == ["b:DEL", "a:DEL", "a:GC", "b:GC"])
        let del = executor.calls[0]
        #expect(del.environment["CNI_CONTAINERID"] == "stale" && del.environment["CNI_NETNS"] == "/run/netns/s")
        #expect(del.environment["CNI_ARGS"] == "X=stale")
        #expect(del.request["runtimeConfig"] == (try json(#"{"mac":"02:00:00:00:00:01"}"#)))
        #expect(del.request["prevResult"]?.objectValue?["cniVersion"] == .string("1.1.0"))
        let gc = executor.calls[2]
        #expect(gc.environment["CNI_CONTAINERID"] == "" && gc.environment["CNI_COMMAND"] == "GC")
        let valid = try json(#"[{"containerID":"keep","ifname":"eth0"}]"#)
        #expect(gc.request["cni.dev/valid-attachments"] == valid && gc.request["cni.dev/attachments"] == valid)
        #expect(report.deleted == [CNIAttachment(containerID: "stale", ifname: "eth0")] && report.gcSent)
        #expect(cache.attachments(network: "net").map(\.containerID) == ["keep"])
    }

    /// A cnictl killed between writing an entry's temporary file and renaming it (a runtime
    /// killing a slow ADD, found by scripts/soak.sh) leaves `<entry>.tmp-<pid>`, which no DEL
    /// names: GC removes the network's temporaries whose writer is gone and that are not fresh.
    @Test func gcRemovesTemporaryCacheFilesOfKilledWriters() throws {
        let dir = try TempDir()
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/true")
        try writer.run()
        writer.waitUntilExit()
        let gone = writer.processIdentifier
        let alive = getpid()
        let old = Date(timeIntervalSinceNow: -30)
        let files: [(name: String, modified: Date)] = [
            ("results/net-killed-eth0.tmp-\(gone)", old),
            ("results/net-writing-eth0.tmp-\(alive)", old),
            ("results/net-fresh-eth0.tmp-\(gone)", Date()),
            ("results/other-killed-eth0.tmp-\(gone)", old),
        ]
        for file in files {
            try dir.write(file.name, "{")
            try FileManager.default.setAttributes([.modificationDate: file.modified], ofItemAtPath: dir.path + "/" + file.name)
        }
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        _ = try runtime(executor, cacheDir: dir.path).gc(makeList(["a"], version: .v1_1_0), explicitValid: [])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/results").sorted()
        #expect(left == ["net-fresh-eth0.tmp-\(gone)", "net-writing-eth0.tmp-\(alive)", "other-killed-eth0.tmp-\(gone)"])
    }

    @Test func gcContinuesAfterErrorsAndReportsThemAll() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { type, _, _ in
            type == "a" ? FakeExecutor.failure(code: 999, msg: "a broke") : FakeExecutor.success()
        }
        do {
            _ = try runtime(executor, cacheDir: dir.path).gc(makeList(["a", "b"], version: .v1_1_0), explicitValid: [])
            Issue.record("expected failure")
        } catch {
            #expect(error.description.contains("a broke"))
        }
        #expect(executor.trace == ["a:GC", "b:GC"])
    }

    @Test func gcAndStatusBelow110AndDisableGC() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        let r = runtime(executor, cacheDir: dir.path)
        #expect(try r.gc(makeList(["a"], version: .v1_0_0), explicitValid: []).gcSent == false)
        #expect(try r.gc(makeList(["a"], version: .v1_1_0, disableGC: true), explicitValid: []).gcSent == false)
        // disableGC also leaves stale cached attachments alone (libcni returns before looking).
        try ResultCache(directory: dir.path).write(
            CacheEntry(
                containerID: "old", config: [], ifName: "eth0", networkName: "net", netns: "/run/netns/none", cniArgs: [],
                capabilityArgs: JSONObject(), result: nil))
        #expect(try r.gc(makeList(["a"], version: .v1_1_0, disableGC: true), explicitValid: []) == NetworkRuntime.GCReport())
        #expect(ResultCache(directory: dir.path).attachments(network: "net").count == 1)
        #expect(try r.status(makeList(["a"], version: .v1_0_0)) == false)
        #expect(executor.calls.isEmpty)
        #expect(try r.status(makeList(["a", "b"], version: .v1_1_0)) == true)
        #expect(executor.trace == ["a:STATUS", "b:STATUS"])
    }

    @Test func statusStopsAtTheFirstUnavailablePlugin() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { type, _, _ in
            type == "a" ? FakeExecutor.failure(code: 50, msg: "no addresses left") : FakeExecutor.success()
        }
        do {
            _ = try runtime(executor, cacheDir: dir.path).status(makeList(["a", "b"], version: .v1_1_0))
            Issue.record("expected failure")
        } catch {
            #expect(error.cniError.code == .pluginNotAvailable)
        }
        #expect(executor.trace == ["a:STATUS"])
    }

    @Test func invalidIdentifiersAreRejectedBeforeAnyPluginRuns() throws {
        let dir = try TempDir()
        let executor = FakeExecutor { _, _, _ in FakeExecutor.success() }
        var bad = rt
        bad.containerID = "-bad id"
        #expect(throws: RuntimeError.self) { try runtime(executor, cacheDir: dir.path).add(makeList(["a"]), bad) }
        bad = rt
        bad.ifName = "this-name-is-too-long"
        #expect(throws: RuntimeError.self) { try runtime(executor, cacheDir: dir.path).del(makeList(["a"]), bad) }
        #expect(executor.calls.isEmpty)
    }
}

extension NetworkRuntimeTests {
    @Test func failedCacheWriteRollsBackEveryPlugin() throws {
        let dir = try TempDir()
        // The cache directory is a regular file: creating results/ inside it fails.
        try dir.write("cache", "not a directory")
        let executor = FakeExecutor { _, command, _ in FakeExecutor.success(command == "ADD" ? Self.result("10.0.0.2/24") : "") }
        do {
            _ = try runtime(executor, cacheDir: dir.path + "/cache").add(makeList(["a", "b"]), rt)
            Issue.record("expected failure")
        } catch {
            #expect(error.cniError.code == .ioFailure)
            #expect(error.description.contains("failed to cache"))
        }
        #expect(executor.trace == ["a:ADD", "b:ADD", "b:DEL", "a:DEL"])
        #expect(executor.calls[2].request["prevResult"] == (try json(Self.result("10.0.0.2/24"))))
    }

    @Test func identifierRules() {
        for good in ["a", "A1", "ctr_1.x-y", "0abc"] { #expect(Identifiers.isValidID(good), "\(good)") }
        for bad in ["", "-a", ".a", "a b", "a/b", "a;b"] { #expect(!Identifiers.isValidID(bad), "\(bad)") }
        for good in ["eth0", "net1", "fifteen-bytes-x"] { #expect(Identifiers.isValidInterfaceName(good), "\(good)") }
        for bad in ["", ".", "..", "a/b", "a:b", "a b", "a\tb", "sixteen-bytes-xx"] {
            #expect(!Identifiers.isValidInterfaceName(bad), "\(bad)")
        }
    }
}
