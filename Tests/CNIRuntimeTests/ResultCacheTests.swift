import CNIRuntime
import CNISpec
import Foundation
import Testing
import JSONSupport

@Suite("libcni-compatible result cache")
struct ResultCacheTests {
    /// What libcni's `cacheAdd` writes (json.Marshal of `cachedInfo`): struct members in
    /// declaration order, maps (capabilityArgs, result) with sorted keys, []byte as base64.
    /// Built by hand from the struct in libcni/api.go; the base64 was computed independently.
    static let configText = #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge"}]}"# + "\n"
    static let libcniWritten =
        #"{"kind":"cniCacheV1","containerId":"abc123","config":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoibmV0IiwicGx1Z2lucyI6W3sidHlwZSI6ImJyaWRnZSJ9XX0K","#
        + #""ifName":"eth0","networkName":"net","netns":"/run/netns/x","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAME","p"]],"#
        + #""capabilityArgs":{"ips":["10.0.0.2/24"],"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]},"#
        + #""result":{"cniVersion":"1.0.0","dns":{},"interfaces":[{"mac":"02:42:ac:11:00:02","name":"eth0","sandbox":"/run/netns/x"}],"#
        + #""ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}]}}"#

    @Test func decodesWhatLibcniWritesAndEncodesItByteForByte() throws {
        let entry = try CacheEntry(json: try json(Self.libcniWritten))
        #expect(entry.containerID == "abc123")
        #expect(entry.ifName == "eth0" && entry.networkName == "net" && entry.netns == "/run/netns/x")
        #expect(entry.config == Array(Self.configText.utf8))
        #expect(entry.cniArgs == [CNIArgPair("IgnoreUnknown", "1"), CNIArgPair("K8S_POD_NAME", "p")])
        #expect(entry.capabilityArgs["ips"] == (try json(#"["10.0.0.2/24"]"#)))
        #expect(entry.runtimeConf.args.count == 2)
        #expect(entry.json().serialized() == Self.libcniWritten)
    }

    @Test func encodingSortsMapKeysLikeGoAndOmitsEmptyMembers() throws {
        // Our own entry, built from an ADD: result/capabilityArgs arrive in plugin order.
        let list = NetworkConfigList(
            name: "net", cniVersion: .v1_0_0, plugins: [try object(#"{"type":"bridge"}"#)],
            bytes: Array(Self.configText.utf8), source: "t")
        let rt = RuntimeConf(
            containerID: "abc123", netns: "/run/netns/x", ifName: "eth0",
            args: [CNIArgPair("IgnoreUnknown", "1"), CNIArgPair("K8S_POD_NAME", "p")],
            capabilityArgs: try object(#"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"ips":["10.0.0.2/24"]}"#))
        let result = try json(
            #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"02:42:ac:11:00:02","sandbox":"/run/netns/x"}],"ips":[{"interface":0,"address":"10.0.0.2/24","gateway":"10.0.0.1"}],"dns":{}}"#)
        #expect(CacheEntry(list: list, rt: rt, result: result).json().serialized() == Self.libcniWritten)

        let minimal = CacheEntry(
            containerID: "c", config: [], ifName: "eth0", networkName: "n", netns: "", cniArgs: [],
            capabilityArgs: JSONObject(), result: nil)
        #expect(minimal.json().serialized() == #"{"kind":"cniCacheV1","containerId":"c","config":"","ifName":"eth0","networkName":"n"}"#)
        #expect(try CacheEntry(json: minimal.json()) == minimal)
    }

    @Test func writeReadRemoveWithLibcniPathsAndModes() throws {
        let dir = try TempDir()
        let cache = ResultCache(directory: dir.path + "/cache")
        let entry = try CacheEntry(json: try json(Self.libcniWritten))
        try cache.write(entry)
        let file = cache.path(network: "net", containerID: "abc123", ifName: "eth0")
        #expect(file == dir.path + "/cache/results/net-abc123-eth0")
        #expect(try FileSystem.mode(file) == 0o600)
        #expect(try FileSystem.mode(dir.path + "/cache/results") == 0o700)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == Self.libcniWritten)
        guard case .found(let read) = cache.read(network: "net", containerID: "abc123", ifName: "eth0") else {
            Issue.record("entry not found")
            return
        }
        #expect(read == entry)
        #expect(cache.attachments(network: "net").map(\.attachment) == [CNIAttachment(containerID: "abc123", ifname: "eth0")])
        #expect(cache.attachments(network: "ne").isEmpty)
        try cache.remove(network: "net", containerID: "abc123", ifName: "eth0")
        try cache.remove(network: "net", containerID: "abc123", ifName: "eth0")
        guard case .missing = cache.read(network: "net", containerID: "abc123", ifName: "eth0") else {
            Issue.record("entry still there")
            return
        }
    }

    @Test func corruptAndLegacyEntries() throws {
        let dir = try TempDir()
        let cache = ResultCache(directory: dir.path)
        func lookup(_ content: String) throws -> ResultCache.Lookup {
            try dir.write("results/n-c-eth0", content)
            return cache.read(network: "n", containerID: "c", ifName: "eth0")
        }
        for content in ["", "{\"kind\":\"cniCacheV1\",", "[]", #"{"kind":"other"}"#, #"{"kind":"cniCacheV1","config":"!!"}"#, #"{"x":1}"#] {
            guard case .corrupt = try lookup(content) else {
                Issue.record("\(content) should be corrupt")
                continue
            }
        }
        guard case .legacyResult(let result) = try lookup(#"{"cniVersion":"0.4.0","ips":[]}"#) else {
            Issue.record("legacy result not recognised")
            return
        }
        #expect(result.objectValue?["cniVersion"] == .string("0.4.0"))
        #expect(cache.attachments(network: "n").isEmpty, "only v1 entries are attachments")
    }
}
