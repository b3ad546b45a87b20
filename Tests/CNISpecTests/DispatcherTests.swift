import Testing

@testable import CNISpec
import JSONSupport
@testable import PluginRuntime

/// A plugin that records what it was called with and returns a fixed result.
final class RecordingPlugin: CNIPlugin, @unchecked Sendable {
    var about: String { "recording plugin v1" }
    var calls: [CNICommand] = []
    var lastRequest: CNIRequest?
    var result = CNIResult(ips: [.init(address: "10.0.0.2/24", gateway: "10.0.0.1")])
    var failure: (any Error)?

    func add(_ request: CNIRequest) throws -> CNIResult {
        calls.append(.add)
        lastRequest = request
        if let failure { throw failure }
        return result
    }
    func del(_ request: CNIRequest) throws { calls.append(.del); lastRequest = request; if let failure { throw failure } }
    func check(_ request: CNIRequest) throws { calls.append(.check); lastRequest = request; if let failure { throw failure } }
    func gc(_ request: CNIRequest) throws { calls.append(.gc); lastRequest = request }
    func status(_ request: CNIRequest) throws { calls.append(.status); lastRequest = request }
}

struct Invocation {
    var env: [String: String] = [
        "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "ctr-1", "CNI_NETNS": "/run/netns/x", "CNI_IFNAME": "eth0",
        "CNI_PATH": "/opt/cni/bin",
    ]
    var stdin = #"{"cniVersion":"1.1.0","name":"net1","type":"recording"}"#
    var ownNetNS = false
    var netnsInspection = NetNSInspection.usable

    func run(_ plugin: RecordingPlugin = RecordingPlugin()) -> (PluginDispatcher.Outcome, JSONObject?) {
        let env = self.env
        let bytes = Array(stdin.utf8)
        let own = ownNetNS
        let inspection = netnsInspection
        let outcome = PluginDispatcher(
            plugin: plugin, getenv: { env[$0] }, readStdin: { () throws(CNIError) in bytes },
            isOwnNetNS: { _ in own }, inspectNetNS: { _ in inspection }
        ).run()
        let json = (try? JSONParser.parse(outcome.stdout))?.objectValue
        return (outcome, json)
    }

    func with(_ key: String, _ value: String?) -> Invocation {
        var copy = self
        copy.env[key] = value
        return copy
    }

    func stdin(_ text: String) -> Invocation {
        var copy = self
        copy.stdin = text
        return copy
    }
}

@Suite("Dispatcher")
struct DispatcherTests {
    @Test func noCommandPrintsAboutOnStderrOnly() {
        let (outcome, _) = Invocation().with("CNI_COMMAND", nil).run()
        #expect(outcome.exitCode == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("recording plugin v1"))
        #expect(outcome.stderr.contains("0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"))
    }

    @Test(arguments: CNIVersion.all)
    func versionReplyEchoesTheInputVersion(_ version: CNIVersion) throws {
        let (outcome, _) = Invocation().with("CNI_COMMAND", "VERSION").stdin(#"{"cniVersion":"\#(version)"}"#).run()
        #expect(outcome.exitCode == 0)
        let text = String(decoding: outcome.stdout, as: UTF8.self)
        #expect(text == (try Golden.load("version-\(version).json")) + "\n")
    }

    @Test func versionNeedsNoStdinAndNoOtherVariables() {
        let (outcome, json) = Invocation(env: ["CNI_COMMAND": "VERSION"], stdin: "").run()
        #expect(outcome.exitCode == 0)
        #expect(json?["cniVersion"] == .string("1.1.0"))
    }

    @Test(arguments: CNIVersion.all)
    func addPrintsTheResultInTheRequestVersion(_ version: CNIVersion) throws {
        let (outcome, json) = Invocation().stdin(#"{"cniVersion":"\#(version)","name":"n","type":"t"}"#).run()
        #expect(outcome.exitCode == 0, "[\(version)] \(String(decoding: outcome.stdout, as: UTF8.self))")
        #expect(json?["cniVersion"] == .string(version.description))
    }

    /// Each row: what is changed, the expected code and a fragment of the message.
    static let errorTable: [(String, Invocation, Int, String)] = [
        ("unknown command", Invocation().with("CNI_COMMAND", "FROB"), 4, "unknown CNI_COMMAND: FROB"),
        ("ADD without CNI_NETNS and CNI_IFNAME", Invocation().with("CNI_NETNS", nil).with("CNI_IFNAME", ""), 4,
            "[CNI_NETNS,CNI_IFNAME] missing"),
        ("ADD without CNI_CONTAINERID", Invocation().with("CNI_CONTAINERID", nil), 4, "[CNI_CONTAINERID] missing"),
        ("CHECK without CNI_NETNS", Invocation().with("CNI_COMMAND", "CHECK").with("CNI_NETNS", nil), 4, "[CNI_NETNS] missing"),
        ("DEL without CNI_IFNAME", Invocation().with("CNI_COMMAND", "DEL").with("CNI_IFNAME", nil), 4, "[CNI_IFNAME] missing"),
        ("ADD without CNI_PATH", Invocation().with("CNI_PATH", nil), 4, "[CNI_PATH] missing"),
        ("GC without CNI_PATH", Invocation(env: ["CNI_COMMAND": "GC"]), 4, "[CNI_PATH] missing"),
        ("malformed JSON", Invocation().stdin(#"{"cniVersion":"1.1.0","name":"n""#), 6, "error parsing network configuration"),
        ("empty stdin", Invocation().stdin(""), 6, "error parsing network configuration"),
        ("JSON array", Invocation().stdin("[]"), 6, "error parsing network configuration"),
        ("name of wrong type", Invocation().stdin(#"{"cniVersion":"1.1.0","name":5}"#), 6, "wrong type for field \"name\""),
        ("missing name", Invocation().stdin(#"{"cniVersion":"1.1.0"}"#), 7, "missing network name"),
        ("path traversal in name", Invocation().stdin(#"{"cniVersion":"1.1.0","name":"../etc"}"#), 7, "invalid characters found in network name"),
        ("slash in name", Invocation().stdin(#"{"cniVersion":"1.1.0","name":"a/b"}"#), 7, "invalid characters found in network name"),
        ("unknown version", Invocation().stdin(#"{"cniVersion":"9.9.9","name":"n"}"#), 1, "incompatible CNI versions"),
        ("version not a version", Invocation().stdin(#"{"cniVersion":"one","name":"n"}"#), 1, "incompatible CNI versions"),
        ("version of wrong type", Invocation().stdin(#"{"cniVersion":1,"name":"n"}"#), 6, "wrong type for field \"cniVersion\""),
        ("CHECK at 0.3.1", Invocation().with("CNI_COMMAND", "CHECK").stdin(#"{"cniVersion":"0.3.1","name":"n"}"#), 1,
            "does not allow CHECK"),
        ("GC at 1.0.0", Invocation(env: ["CNI_COMMAND": "GC", "CNI_PATH": "/x"]).stdin(#"{"cniVersion":"1.0.0","name":"n"}"#), 1,
            "does not allow GC"),
        ("STATUS at 0.4.0", Invocation(env: ["CNI_COMMAND": "STATUS", "CNI_PATH": "/x"]).stdin(#"{"cniVersion":"0.4.0","name":"n"}"#), 1,
            "does not allow STATUS"),
        ("container id with slash", Invocation().with("CNI_CONTAINERID", "../../etc"), 4, "invalid characters in CNI_CONTAINERID"),
        ("container id with space", Invocation().with("CNI_CONTAINERID", "a b"), 4, "invalid characters in CNI_CONTAINERID"),
        ("ifname of 16 bytes", Invocation().with("CNI_IFNAME", "abcdefghijklmnop"), 4, "interface name is too long"),
        ("ifname with slash", Invocation().with("CNI_IFNAME", "eth/0"), 4, "contains / or :"),
        ("ifname with colon", Invocation().with("CNI_IFNAME", "eth:0"), 4, "contains / or :"),
        ("ifname dot-dot", Invocation().with("CNI_IFNAME", ".."), 4, "cannot be . or .."),
        ("ifname template", Invocation().with("CNI_IFNAME", "eth%d"), 4, "contains %"),
        ("ifname template on DEL", Invocation().with("CNI_COMMAND", "DEL").with("CNI_IFNAME", "eth%d"), 4, "contains %"),
        ("ifname with a control character", Invocation().with("CNI_IFNAME", "eth\u{1}"), 4, "control character"),
        ("netns missing on ADD", Invocation(netnsInspection: .missing(details: "/run/netns/x does not exist")), 3,
            "network namespace does not exist"),
        ("netns a FIFO on ADD", Invocation(netnsInspection: .unusable(details: "a FIFO")), 4, "CNI_NETNS is not a network namespace"),
        ("netns a FIFO on CHECK",
            Invocation(netnsInspection: .unusable(details: "a FIFO")).with("CNI_COMMAND", "CHECK")
                .stdin(#"{"cniVersion":"1.1.0","name":"n","prevResult":{}}"#), 4, "CNI_NETNS is not a network namespace"),
        ("own netns on DEL", Invocation(ownNetNS: true).with("CNI_COMMAND", "DEL"), 8, "own network namespace"),
        ("bad CNI_ARGS", Invocation().with("CNI_ARGS", "IP"), 4, "invalid CNI_ARGS pair"),
        ("own netns", Invocation(ownNetNS: true), 8, "own network namespace"),
        ("prevResult of wrong type", Invocation().stdin(#"{"cniVersion":"1.1.0","name":"n","ipam":[]}"#), 6, "wrong type for field \"ipam\""),
    ]

    @Test(arguments: 0..<errorTable.count)
    func badInput(_ index: Int) throws {
        let (label, invocation, code, fragment) = Self.errorTable[index]
        let plugin = RecordingPlugin()
        let (outcome, json) = invocation.run(plugin)
        #expect(outcome.exitCode == 1, "\(label)")
        let object = try #require(json, "\(label): stdout is not one JSON object")
        #expect(object["code"]?.intValue == code, "\(label): \(object.keys) \(String(decoding: outcome.stdout, as: UTF8.self))")
        #expect(object["msg"]?.stringValue?.contains(fragment) == true, "\(label): msg was \(object["msg"]?.stringValue ?? "nil")")
        #expect(object["cniVersion"]?.stringValue != nil, "\(label)")
        #expect(plugin.calls.isEmpty, "\(label): plugin must not be called")
    }

    @Test func delWithoutNetnsIsAccepted() {
        let plugin = RecordingPlugin()
        let (outcome, _) = Invocation().with("CNI_COMMAND", "DEL").with("CNI_NETNS", nil).run(plugin)
        #expect(outcome.exitCode == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(plugin.calls == [.del])
        #expect(plugin.lastRequest?.netns == "")
    }

    /// DEL succeeds when CNI_NETNS names no usable namespace: the plugin runs with an empty
    /// CNI_NETNS (host-side cleanup only), as when the namespace is gone.
    @Test(arguments: [
        NetNSInspection.missing(details: "gone"), .unusable(details: "a FIFO"), .unusable(details: "a mnt namespace"),
    ])
    func delTreatsAnUnusableNetnsAsGone(_ inspection: NetNSInspection) {
        let plugin = RecordingPlugin()
        var invocation = Invocation().with("CNI_COMMAND", "DEL")
        invocation.netnsInspection = inspection
        let (outcome, _) = invocation.run(plugin)
        #expect(outcome.exitCode == 0)
        #expect(outcome.stdout.isEmpty)
        #expect(plugin.calls == [.del])
        #expect(plugin.lastRequest?.netns == "")
    }

    @Test func delKeepsAUsableNetns() {
        let plugin = RecordingPlugin()
        let (outcome, _) = Invocation().with("CNI_COMMAND", "DEL").run(plugin)
        #expect(outcome.exitCode == 0)
        #expect(plugin.lastRequest?.netns == "/run/netns/x")
    }

    /// A plugin that keeps records only (host-local) is not refused for a CNI_NETNS it never opens.
    @Test func recordKeepingPluginsDoNotNeedANamespace() {
        final class RecordsOnly: CNIPlugin, @unchecked Sendable {
            var about: String { "records" }
            var entersNetNS: Bool { false }
            var added = false
            func add(_ request: CNIRequest) throws -> CNIResult { added = true; return CNIResult(ips: [.init(address: "10.0.0.2/24")]) }
            func del(_ request: CNIRequest) throws {}
            func check(_ request: CNIRequest) throws {}
        }
        let plugin = RecordsOnly()
        let env = Invocation().env
        let outcome = PluginDispatcher(
            plugin: plugin, getenv: { env[$0] }, readStdin: { () throws(CNIError) in Array(#"{"cniVersion":"1.1.0","name":"n"}"#.utf8) },
            inspectNetNS: { _ in .unusable(details: "a FIFO") }
        ).run()
        #expect(outcome.exitCode == 0)
        #expect(plugin.added)
    }

    /// A result that cannot be printed in the request's version fails the ADD, and the ADD is
    /// undone (DEL) before the error is returned: a failed ADD leaves nothing behind.
    @Test func addWhoseResultCannotBeExpressedIsUndone() throws {
        let plugin = RecordingPlugin()
        plugin.result = CNIResult(interfaces: [.init(name: "eth0", sandbox: "/run/netns/x")])
        let (outcome, json) = Invocation().stdin(#"{"cniVersion":"0.2.0","name":"n","type":"t"}"#).run(plugin)
        #expect(outcome.exitCode == 1)
        #expect(json?["code"]?.intValue == 1)
        #expect(plugin.calls == [.add, .del])
    }

    @Test func missingVersionMeansZeroOneZero() {
        let (outcome, json) = Invocation().stdin(#"{"name":"n"}"#).run()
        #expect(outcome.exitCode == 0)
        #expect(json?["cniVersion"] == .string("0.1.0"))
    }

    @Test func errorsOfCallbacksKeepTheirCode() {
        let plugin = RecordingPlugin()
        plugin.failure = CNIError(.tryAgainLater, "busy", details: "lock")
        let (outcome, json) = Invocation().run(plugin)
        #expect(outcome.exitCode == 1)
        #expect(json?["code"]?.intValue == 11)
        #expect(json?["details"] == .string("lock"))
    }

    @Test func untypedErrorsBecomeInternalErrors() {
        struct Oops: Error {}
        let plugin = RecordingPlugin()
        plugin.failure = Oops()
        let (_, json) = Invocation().run(plugin)
        #expect(json?["code"]?.intValue == 999)
    }

    @Test func unknownCNIArgsKeysAreAccepted() {
        let plugin = RecordingPlugin()
        let (outcome, _) = Invocation().with("CNI_ARGS", "K8S_POD_NAME=web;FOO=bar;IP=10.0.0.9").run(plugin)
        #expect(outcome.exitCode == 0)
        #expect(plugin.lastRequest?.args["IP"] == "10.0.0.9")
        #expect(plugin.lastRequest?.args["K8S_POD_NAME"] == "web")
    }

    @Test func unknownFieldsAndCapabilitiesAreKept() throws {
        let plugin = RecordingPlugin()
        let stdin = #"{"cniVersion":"1.0.0","name":"n","type":"t","capabilities":{"ips":true},"zzz":{"x":[1,2]},"runtimeConfig":{"ips":["10.0.0.9/24"]}}"#
        let (outcome, _) = Invocation().stdin(stdin).run(plugin)
        #expect(outcome.exitCode == 0)
        let config = try #require(plugin.lastRequest?.config)
        #expect(config.bytes == Array(stdin.utf8))
        #expect(config.raw["zzz"] != nil)
        #expect(try config.runtimeConfig.strings("ips") == ["10.0.0.9/24"])
    }

    @Test func gcReadsValidAttachmentsAndTheLegacyKey() throws {
        for key in ["cni.dev/valid-attachments", "cni.dev/attachments"] {
            let plugin = RecordingPlugin()
            let stdin = #"{"cniVersion":"1.1.0","name":"n","type":"t","\#(key)":[{"containerID":"a","ifname":"eth0"}]}"#
            let (outcome, _) = Invocation(env: ["CNI_COMMAND": "GC", "CNI_PATH": "/x"]).stdin(stdin).run(plugin)
            #expect(outcome.exitCode == 0)
            let attachments = try plugin.lastRequest?.config.validAttachments()
            #expect(attachments == [CNIAttachment(containerID: "a", ifname: "eth0")], "\(key)")
        }
    }

    @Test func emptyValidAttachmentListIsNotAbsent() throws {
        let plugin = RecordingPlugin()
        let stdin = #"{"cniVersion":"1.1.0","name":"n","type":"t","cni.dev/valid-attachments":[]}"#
        _ = Invocation(env: ["CNI_COMMAND": "GC", "CNI_PATH": "/x"]).stdin(stdin).run(plugin)
        #expect(try plugin.lastRequest?.config.validAttachments() == [])
        let plugin2 = RecordingPlugin()
        _ = Invocation(env: ["CNI_COMMAND": "GC", "CNI_PATH": "/x"]).stdin(#"{"cniVersion":"1.1.0","name":"n"}"#).run(plugin2)
        #expect(try plugin2.lastRequest?.config.validAttachments() == nil)
    }
}
