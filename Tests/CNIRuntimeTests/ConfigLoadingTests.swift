import CNIRuntime
import CNISpec
import Testing

@Suite("configuration loading and version selection")
struct ConfigLoadingTests {
    @Test func picksFirstConflistByFileNameAndPrefersListsOverLegacyFiles() throws {
        let dir = try TempDir()
        try dir.write("00-legacy.conf", #"{"cniVersion":"0.4.0","name":"net1","type":"legacy"}"#)
        try dir.write("20-b.conflist", #"{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"second"}]}"#)
        try dir.write("10-a.conflist", #"{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"first"}]}"#)
        let list = try ConfigLoader.load(network: "net1", from: dir.path)
        #expect(list.pluginTypes == ["first"])
        #expect(list.source.hasSuffix("10-a.conflist"))
        #expect(list.cniVersion == .v1_0_0)
    }

    @Test func networkNamesInSearchOrderOnceEachSkippingBrokenFiles() throws {
        let dir = try TempDir()
        try dir.write("00-legacy.conf", #"{"cniVersion":"0.4.0","name":"net1","type":"legacy"}"#)
        try dir.write("05-only.json", #"{"cniVersion":"0.4.0","name":"single","type":"bridge"}"#)
        try dir.write("20-b.conflist", #"{"cniVersion":"1.0.0","name":"net2","plugins":[{"type":"second"}]}"#)
        try dir.write("10-a.conflist", #"{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"first"}]}"#)
        try dir.write("15-broken.conflist", "{")
        try dir.write("README", "not a configuration")
        #expect(try ConfigLoader.networkNames(in: dir.path) == ["net1", "net2", "single"])
    }

    @Test func legacySingleConfigBecomesOneElementList() throws {
        let dir = try TempDir()
        try dir.write("10-x.json", #"{"cniVersion":"0.3.1","name":"other","type":"a"}"#)
        try dir.write("20-y.conf", #"{"cniVersion":"0.4.0","name":"single","type":"bridge","bridge":"br9","extra":{"k":1}}"#)
        let list = try ConfigLoader.load(network: "single", from: dir.path)
        #expect(list.cniVersion == .v0_4_0)
        #expect(list.plugins.count == 1)
        #expect(list.plugins[0]["bridge"] == .string("br9"))
        #expect(list.plugins[0]["extra"] == (try json(#"{"k":1}"#)))
        // The cached config bytes are the synthesized list, like libcni's ConfListFromConf.
        // Go marshals that map with sorted keys at every level.
        #expect(
            String(decoding: list.bytes, as: UTF8.self)
                == #"{"cniVersion":"0.4.0","name":"single","plugins":[{"bridge":"br9","cniVersion":"0.4.0","extra":{"k":1},"name":"single","type":"bridge"}]}"#)
        // The plugin object sent to the plugin keeps its own order.
        #expect(list.plugins[0].keys == ["cniVersion", "name", "type", "bridge", "extra"])
    }

    @Test func notFoundListsWhatWasFoundAndWhatWasBroken() throws {
        let dir = try TempDir()
        try dir.write("10-a.conflist", #"{"cniVersion":"1.0.0","name":"alpha","plugins":[{"type":"x"}]}"#)
        try dir.write("20-b.conf", #"{"cniVersion":"1.0.0","name":"beta","type":"y"}"#)
        try dir.write("30-c.conflist", "{not json")
        try dir.write("README.md", "ignored")
        do {
            _ = try ConfigLoader.load(network: "gamma", from: dir.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidNetworkConfig)
            #expect(error.msg.contains("\"gamma\""))
            #expect(error.details.contains("alpha (10-a.conflist)"))
            #expect(error.details.contains("beta (20-b.conf)"))
            #expect(error.details.contains("30-c.conflist"))
            #expect(!error.details.contains("README"))
        }
    }

    @Test func sideDirectoryPluginsAreAppendedUnlessOnlyInlined() throws {
        let dir = try TempDir()
        try dir.write("10-a.conflist", #"{"cniVersion":"1.1.0","name":"net","plugins":[{"type":"inline"}]}"#)
        try dir.write("net/2-b.conf", #"{"type":"side-b"}"#)
        try dir.write("net/1-a.conf", #"{"type":"side-a","x":true}"#)
        try dir.write("net/ignored.json", #"{"type":"nope"}"#)
        let list = try ConfigLoader.load(network: "net", from: dir.path)
        #expect(list.pluginTypes == ["inline", "side-a", "side-b"])

        try dir.write("10-a.conflist", #"{"cniVersion":"1.1.0","name":"net","loadOnlyInlinedPlugins":true,"plugins":[{"type":"inline"}]}"#)
        #expect(try ConfigLoader.load(network: "net", from: dir.path).pluginTypes == ["inline"])
    }

    @Test func listWithoutInlinedPluginsUsesSideDirectory() throws {
        let dir = try TempDir()
        try dir.write("10-a.conflist", #"{"cniVersion":"1.1.0","name":"net"}"#)
        #expect(throws: CNIError.self) { try ConfigLoader.load(network: "net", from: dir.path) }
        try dir.write("net/a.conf", #"{"type":"side"}"#)
        #expect(try ConfigLoader.load(network: "net", from: dir.path).pluginTypes == ["side"])
    }

    @Test func flagsAreRead() throws {
        let list = try NetworkConfigList.parse(
            Array(#"{"cniVersion":"1.1.0","name":"n","disableCheck":true,"disableGC":true,"plugins":[{"type":"a"}]}"#.utf8),
            source: "t")
        #expect(list.disableCheck && list.disableGC && !list.loadOnlyInlinedPlugins)
        // libcni also accepts the strings "true"/"false" in any case.
        let strings = try NetworkConfigList.parse(
            Array(#"{"cniVersion":"1.1.0","name":"n","disableCheck":"TRUE","disableGC":"false","plugins":[{"type":"a"}]}"#.utf8),
            source: "t")
        #expect(strings.disableCheck && !strings.disableGC)
        #expect(throws: CNIError.self) {
            try NetworkConfigList.parse(Array(#"{"name":"n","disableCheck":"yes","plugins":[{"type":"a"}]}"#.utf8), source: "t")
        }
    }

    @Test func invalidPluginObjectsAreRejected() throws {
        for text in [
            #"{"cniVersion":"1.0.0","name":"n","plugins":[{"bridge":"x"}]}"#,
            #"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../x"}]}"#,
            #"{"cniVersion":"1.0.0","name":"n","plugins":["bridge"]}"#,
            #"{"cniVersion":"1.0.0","plugins":[{"type":"x"}]}"#,
            #"{"cniVersion":"1.1.0","name":"n","loadOnlyInlinedPlugins":true,"plugins":[]}"#,
        ] {
            #expect(throws: CNIError.self, "\(text)") { try NetworkConfigList.parse(Array(text.utf8), source: "t") }
        }
    }

    @Test func explicitFile() throws {
        let dir = try TempDir()
        try dir.write("x.conflist", #"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a"}]}"#)
        try dir.write("y.conf", #"{"cniVersion":"1.0.0","name":"m","type":"b"}"#)
        #expect(try ConfigLoader.load(file: dir.path + "/x.conflist").pluginTypes == ["a"])
        #expect(try ConfigLoader.load(file: dir.path + "/y.conf").pluginTypes == ["b"])
    }

    @Test func versionSelection() throws {
        func select(_ v: String?, _ vs: [String]?) throws(CNIError) -> CNIVersion {
            try VersionSelection.select(cniVersion: v, cniVersions: vs, source: "t")
        }
        #expect(try select("0.4.0", ["1.0.0", "1.1.0", "0.3.1"]) == .v1_1_0)
        #expect(try select("1.0.0", ["0.4.0"]) == .v1_0_0)
        // Versions newer than ours are skipped, not errors.
        #expect(try select("1.0.0", ["1.1.0", "1.2.0", "9.0.0"]) == .v1_1_0)
        #expect(try select(nil, ["0.3.0", "0.4.0"]) == .v0_4_0)
        #expect(try select(nil, nil) == .v0_1_0)
        #expect(try select("", nil) == .v0_1_0)
        #expect(throws: CNIError.self) { try select("1.0", nil) }
        #expect(throws: CNIError.self) { try select("1.0.0", ["x"]) }
        do {
            _ = try select("2.0.0", ["1.9.0"])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .incompatibleVersion)
        }
        let list = try NetworkConfigList.parse(
            Array(#"{"cniVersion":"0.4.0","cniVersions":["1.0.0","1.1.0","1.5.0"],"name":"n","plugins":[{"type":"a"}]}"#.utf8),
            source: "t")
        #expect(list.cniVersion == .v1_1_0)
    }
}
