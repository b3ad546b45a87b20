import CNIRuntime
import CNISpec
import Testing
import JSONSupport

@Suite("request building like libcni")
struct RequestBuilderTests {
    func list(_ version: CNIVersion = .v1_0_0, plugins: [JSONObject] = []) -> NetworkConfigList {
        NetworkConfigList(name: "net", cniVersion: version, plugins: plugins, bytes: [], source: "t")
    }

    @Test func injectsIdentityAndKeepsEveryOtherMemberInOrder() throws {
        let plugin = try object(#"{"type":"bridge","cniVersion":"0.1.0","custom":{"a":[1,2]},"name":"wrong","zz":null}"#)
        let request = RequestBuilder.pluginRequest(plugin: plugin, list: list(), prevResult: nil, capabilityArgs: JSONObject())
        #expect(request.keys == ["type", "cniVersion", "custom", "name", "zz"])
        #expect(request["cniVersion"] == .string("1.0.0"))
        #expect(request["name"] == .string("net"))
        #expect(request["custom"] == (try json(#"{"a":[1,2]}"#)))
        #expect(request["zz"] == .null)
        #expect(request["runtimeConfig"] == nil && request["prevResult"] == nil)
    }

    @Test func runtimeConfigOnlyHasDeclaredAndSuppliedCapabilities() throws {
        let plugin = try object(
            #"{"type":"p","capabilities":{"portMappings":true,"mac":false,"ips":true,"bandwidth":true}}"#)
        let caps = try object(#"{"mac":"02:00:00:00:00:01","ips":["10.0.0.5/24"],"portMappings":[{"hostPort":1}],"dns":{}}"#)
        let request = RequestBuilder.pluginRequest(plugin: plugin, list: list(), prevResult: nil, capabilityArgs: caps)
        let rc = try #require(request["runtimeConfig"]?.objectValue)
        // Declaration order of the plugin; mac declared false, dns undeclared, bandwidth not supplied.
        #expect(rc.keys == ["portMappings", "ips"])
        #expect(rc["ips"] == (try json(#"["10.0.0.5/24"]"#)))
        // Nothing supplied that the plugin wants: no runtimeConfig at all.
        let none = RequestBuilder.pluginRequest(
            plugin: plugin, list: list(), prevResult: nil, capabilityArgs: try object(#"{"mac":"x"}"#))
        #expect(none["runtimeConfig"] == nil)
        // No capabilities declared: never injected.
        let plain = RequestBuilder.pluginRequest(plugin: try object(#"{"type":"p"}"#), list: list(), prevResult: nil, capabilityArgs: caps)
        #expect(plain["runtimeConfig"] == nil)
    }

    @Test func prevResultIsConvertedToTheRequestVersion() throws {
        let result040 = try json(
            #"{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"version":"4","interface":0,"address":"10.1.0.2/24","gateway":"10.1.0.1"}],"dns":{}}"#)
        let to100 = try RequestBuilder.convertResult(result040, to: .v1_0_0, what: "r")
        let ips100 = try #require(to100.objectValue?["ips"]?.arrayValue?.first?.objectValue)
        #expect(to100.objectValue?["cniVersion"] == .string("1.0.0"))
        #expect(ips100["version"] == nil)
        #expect(ips100["address"] == .string("10.1.0.2/24"))

        let to040 = try RequestBuilder.convertResult(to100, to: .v0_4_0, what: "r")
        #expect(to040.objectValue?["ips"]?.arrayValue?.first?.objectValue?["version"] == .string("4"))

        // Without cniVersion the request's version is assumed.
        let bare = try json(#"{"ips":[{"address":"10.1.0.3/24"}]}"#)
        #expect(try RequestBuilder.convertResult(bare, to: .v1_1_0, what: "r").objectValue?["cniVersion"] == .string("1.1.0"))

        // A result without addresses cannot be expressed in 0.2.0.
        let noIPs = try json(#"{"cniVersion":"1.0.0","interfaces":[{"name":"lo"}]}"#)
        #expect(throws: CNIError.self) { try RequestBuilder.convertResult(noIPs, to: .v0_2_0, what: "r") }

        let request = RequestBuilder.pluginRequest(
            plugin: try object(#"{"type":"p"}"#), list: list(), prevResult: to100, capabilityArgs: JSONObject())
        #expect(request["prevResult"] == to100)
    }

    @Test func gcAndStatusRequests() throws {
        let plugin = try object(#"{"type":"p","capabilities":{"ips":true},"opt":1}"#)
        let gc = RequestBuilder.gcRequest(
            plugin: plugin, list: list(.v1_1_0),
            validAttachments: [CNIAttachment(containerID: "c1", ifname: "eth0")])
        let expected = try json(#"[{"containerID":"c1","ifname":"eth0"}]"#)
        #expect(gc["cni.dev/valid-attachments"] == expected)
        #expect(gc["cni.dev/attachments"] == expected)
        #expect(gc["runtimeConfig"] == nil)
        #expect(gc["opt"] == .number("1"))
        let empty = RequestBuilder.gcRequest(plugin: plugin, list: list(.v1_1_0), validAttachments: [])
        #expect(empty["cni.dev/valid-attachments"] == .array([]))

        let status = RequestBuilder.statusRequest(plugin: plugin, list: list(.v1_1_0))
        #expect(status.keys == ["type", "capabilities", "opt", "cniVersion", "name"])
    }

    @Test func portMappingsAndCapabilityMerging() throws {
        #expect(try CapabilityArgs.parsePortMapping("8080:80") == (try json(#"{"hostPort":8080,"containerPort":80,"protocol":"tcp"}"#)))
        #expect(try CapabilityArgs.parsePortMapping("53:53/UDP") == (try json(#"{"hostPort":53,"containerPort":53,"protocol":"udp"}"#)))
        #expect(
            try CapabilityArgs.parsePortMapping("127.0.0.1:80:8080/tcp")
                == (try json(#"{"hostPort":80,"containerPort":8080,"protocol":"tcp","hostIP":"127.0.0.1"}"#)))
        #expect(
            try CapabilityArgs.parsePortMapping("[::1]:80:81")
                == (try json(#"{"hostPort":80,"containerPort":81,"protocol":"tcp","hostIP":"::1"}"#)))
        for bad in ["80", "0:80", "80:70000", "80:80/icmp", "a:b", "1:2:3:4"] {
            #expect(throws: CNIError.self, "\(bad)") { try CapabilityArgs.parsePortMapping(bad) }
        }
        let merged = try CapabilityArgs.build(
            json: try object(#"{"mac":"old","bandwidth":{"ingressRate":1}}"#), ips: ["10.0.0.9/24"], mac: "02:00:00:00:00:02",
            portMappings: ["1:2"])
        #expect(merged.keys == ["mac", "bandwidth", "ips", "portMappings"])
        #expect(merged["mac"] == .string("02:00:00:00:00:02"))
    }
}
