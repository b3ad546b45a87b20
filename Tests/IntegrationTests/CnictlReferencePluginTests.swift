import Foundation
import Testing

/// `cnictl` driving the Go reference plugins (/usr/lib/cni, cniVersion ≤ 1.0.0) in
/// namespaces the tests create: a "host" netns where cnictl runs (so bridges and host veths
/// live there, never on the real host) and "container" namespaces. Every test uses its own
/// conf dir, cache dir and host-local dataDir under a temp directory.
@Suite("cnictl with the reference plugins", .enabled(if: TestEnvironment.canRunNetNSTests))
struct CnictlReferencePluginTests {
    final class Fixture: CnictlHost {
        init() throws {
            try super.init(hostPrefix: "cnh", podPrefix: "cnc", label: "cnictl", networkPrefix: "cnet", bridgePrefix: "cb")
        }

        func container() throws -> TestNamespace { try pod() }

        /// bridge + host-local plugin object (JSON text).
        var bridgePlugin: String {
            #"{"type":"bridge","bridge":"\#(bridge)","isGateway":true,"ipam":{"type":"host-local","dataDir":"\#(dataDir)","ranges":[[{"subnet":"10.88.0.0/24"}]]}}"#
        }

        @discardableResult
        func writeList(_ file: String = "10-test.conflist", version: String = "1.0.0", extra: String = "", plugins: [String]) throws -> String {
            let text = #"{"cniVersion":"\#(version)"\#(extra),"name":"\#(network)","plugins":[\#(plugins.joined(separator: ","))]}"#
            try text.write(toFile: "\(confDir)/\(file)", atomically: true, encoding: .utf8)
            return text
        }

        var common: [String] {
            ["--conf-dir", confDir, "--bin-dir", "\(doublesDir):\(TestEnvironment.referenceDir)", "--cache-dir", cacheDir]
        }

        func cnictl(_ command: String, _ arguments: [String]) throws -> PluginExec.Output {
            try CnictlRun.run([command, network] + arguments + common, inNS: host.name)
        }

        func cacheFile(_ containerID: String, ifname: String = "eth0") -> String {
            "\(cacheDir)/results/\(network)-\(containerID)-\(ifname)"
        }
    }

    static func withFixture(_ body: (Fixture) throws -> Void) throws {
        try CnictlHost.with(Fixture.init, body)
    }

    /// cnitool's scheme, computed with coreutils: "cnictl-" + first 20 hex digits of SHA-512.
    static func defaultContainerID(_ netnsPath: String) throws -> String {
        let out = try Shell.must(["sh", "-c", "printf %s \"$0\" | sha512sum", netnsPath])
        return "cnictl-" + out.prefix(20)
    }

    static func jsonObject(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func addCheckDelLifecycle() throws {
        try Self.withFixture { f in
            let c = try f.container()
            // cniVersions selects 1.0.0, the newest the reference plugins support.
            let listText = try f.writeList(version: "0.4.0", extra: #","cniVersions":["0.4.0","1.0.0"]"#, plugins: [f.bridgePlugin])

            let add = try f.cnictl("add", [c.name])
            #expect(add.status == 0, "add: \(add.summary)")
            let result = try #require(add.json, "add printed no JSON: \(add.summary)")
            #expect(result["cniVersion"] as? String == "1.0.0")
            let ips = result["ips"] as? [[String: Any]] ?? []
            let address = try #require(ips.first?["address"] as? String, "no address: \(add.stdout)")
            #expect(address.hasPrefix("10.88.0."))
            #expect(try c.addresses("eth0").contains(address))
            #expect(f.reservations.count == 1)

            // The cache entry, where and how libcni keeps it.
            let id = try Self.defaultContainerID(c.path)
            let file = f.cacheFile(id)
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let dirAttributes = try FileManager.default.attributesOfItem(atPath: "\(f.cacheDir)/results")
            #expect((dirAttributes[.posixPermissions] as? Int) == 0o700)
            let cached = try Self.jsonObject(try String(contentsOfFile: file, encoding: .utf8))
            #expect(cached["kind"] as? String == "cniCacheV1")
            #expect(cached["containerId"] as? String == id)
            #expect(cached["networkName"] as? String == f.network)
            #expect(cached["ifName"] as? String == "eth0")
            #expect(cached["netns"] as? String == c.path)
            let config = try #require(Data(base64Encoded: cached["config"] as? String ?? ""))
            #expect(String(decoding: config, as: UTF8.self) == listText)
            #expect(NSDictionary(dictionary: cached["result"] as? [String: Any] ?? [:]).isEqual(to: result))

            let check = try f.cnictl("check", [c.name])
            #expect(check.status == 0 && check.stdout.isEmpty, "check: \(check.summary)")

            // After the address is removed, CHECK (bridge, with the cached prevResult) fails.
            try c.run(["ip", "addr", "flush", "dev", "eth0"])
            let broken = try f.cnictl("check", [c.name])
            #expect(broken.status == 1, "check after flush: \(broken.summary)")
            #expect(broken.code != nil, "check failure prints the plugin's error object: \(broken.summary)")

            let del = try f.cnictl("del", [c.name])
            #expect(del.status == 0, "del: \(del.summary)")
            #expect(!FileManager.default.fileExists(atPath: file), "cache entry removed")
            #expect(f.reservations.isEmpty, "address released: \(f.reservations)")
            #expect(try c.link("eth0") == nil)

            let again = try f.cnictl("del", [c.name])
            #expect(again.status == 0, "second del: \(again.summary)")
        }
    }

    @Test func failingSecondPluginRollsBackTheFirst() throws {
        try Self.withFixture { f in
            let c = try f.container()
            let log = "\(f.root)/spy"
            try CnictlRun.writeScriptPlugin(
                f.doublesDir, "failing-spy",
                """
                cat > "\(log).$CNI_COMMAND.json"
                env | grep '^CNI_' | sort > "\(log).$CNI_COMMAND.env"
                echo "$CNI_COMMAND" >> "\(log).commands"
                if [ "$CNI_COMMAND" = ADD ]; then
                  echo '{"cniVersion":"1.0.0","code":100,"msg":"injected failure","details":"by the test"}'
                  exit 1
                fi
                exit 0
                """)
            try f.writeList(plugins: [
                f.bridgePlugin, #"{"type":"failing-spy","capabilities":{"portMappings":true,"mac":false},"custom":{"keep":[1,"two"]}}"#,
            ])

            let add = try f.cnictl(
                "add", [c.name, "--k8s-pod", "ns1/pod1", "--port-mapping", "8080:80", "--mac", "02:11:22:33:44:55", "--ip", "10.88.0.50/24"])
            #expect(add.status == 1, "add: \(add.summary)")
            // The original error, unchanged, on stdout; a readable line on stderr.
            let error = try #require(add.json, "no error JSON: \(add.summary)")
            #expect(error["code"] as? Int == 100)
            #expect(error["msg"] as? String == "injected failure")
            #expect(add.stderr.contains("injected failure") && add.stderr.contains("failing-spy"))

            // Plugin 1 got ADD then the rollback DEL.
            let commands = try String(contentsOfFile: "\(log).commands", encoding: .utf8)
            #expect(commands == "ADD\nDEL\n")

            // The request it got: identity injected, unknown fields kept, prevResult from bridge,
            // runtimeConfig limited to the declared-true capability, libcni's environment.
            let request = try Self.jsonObject(try String(contentsOfFile: "\(log).ADD.json", encoding: .utf8))
            #expect(request["name"] as? String == f.network)
            #expect(request["cniVersion"] as? String == "1.0.0")
            #expect(NSDictionary(dictionary: request["custom"] as? [String: Any] ?? [:]).isEqual(to: ["keep": [1, "two"]]))
            let prev = try #require(request["prevResult"] as? [String: Any])
            let prevIPs = prev["ips"] as? [[String: Any]] ?? []
            #expect((prevIPs.first?["address"] as? String)?.hasPrefix("10.88.0.") == true)
            let runtimeConfig = try #require(request["runtimeConfig"] as? [String: Any])
            #expect(Array(runtimeConfig.keys) == ["portMappings"])
            let mapping = (runtimeConfig["portMappings"] as? [[String: Any]])?.first ?? [:]
            #expect(mapping["hostPort"] as? Int == 8080 && mapping["containerPort"] as? Int == 80 && mapping["protocol"] as? String == "tcp")
            let env = try String(contentsOfFile: "\(log).ADD.env", encoding: .utf8)
            let id = try Self.defaultContainerID(c.path)
            #expect(env.contains("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=pod1;K8S_POD_INFRA_CONTAINER_ID=\(id)\n"))
            #expect(env.contains("CNI_CONTAINERID=\(id)\n") && env.contains("CNI_NETNS=\(c.path)\n") && env.contains("CNI_IFNAME=eth0\n"))
            #expect(env.contains("CNI_PATH=\(f.doublesDir):\(TestEnvironment.referenceDir)\n"))
            let delRequest = try Self.jsonObject(try String(contentsOfFile: "\(log).DEL.json", encoding: .utf8))
            #expect(delRequest["prevResult"] != nil, "the rollback DEL carries the partial result")

            // Nothing is left of the first plugin's work.
            #expect(try c.link("eth0") == nil, "container interface removed by the rollback")
            #expect(f.reservations.isEmpty, "address released by the rollback: \(f.reservations)")
            let veths = try Shell.json(["ip", "-n", f.host.name, "-j", "link", "show", "type", "veth"]) as? [Any] ?? []
            #expect(veths.isEmpty, "host veth removed")
            #expect(!FileManager.default.fileExists(atPath: f.cacheFile(id)), "no cache entry for a failed ADD")
        }
    }

    @Test func gcDeletesAttachmentsWhoseNetnsIsGone() throws {
        try Self.withFixture { f in
            let gone = try f.container()
            let alive = try f.container()
            try f.writeList(plugins: [f.bridgePlugin])
            for c in [gone, alive] {
                let add = try f.cnictl("add", [c.name])
                #expect(add.status == 0, "add \(c.name): \(add.summary)")
            }
            #expect(f.reservations.count == 2)
            gone.remove()

            let gc = try f.cnictl("gc", [])
            #expect(gc.status == 0, "gc: \(gc.summary)")
            let report = try #require(gc.json, "gc report: \(gc.summary)")
            let goneID = try Self.defaultContainerID(gone.path)
            let aliveID = try Self.defaultContainerID(alive.path)
            #expect((report["deleted"] as? [[String: String]]) == [["containerID": goneID, "ifname": "eth0"]])
            #expect((report["valid"] as? [[String: String]]) == [["containerID": aliveID, "ifname": "eth0"]])
            #expect(report["gcSent"] as? Bool == false, "1.0.0 lists get no GC command")
            #expect(f.reservations.count == 1)
            #expect(!FileManager.default.fileExists(atPath: f.cacheFile(goneID)))
            #expect(FileManager.default.fileExists(atPath: f.cacheFile(aliveID)))

            let all = try f.cnictl("gc", ["--all-stale"])
            #expect(all.status == 0, "gc --all-stale: \(all.summary)")
            #expect(f.reservations.isEmpty)
            #expect(try alive.link("eth0") == nil)
        }
    }

    @Test func statusAndGCNeedVersion110AndReportPluginErrors() throws {
        try Self.withFixture { f in
            try f.writeList(plugins: [f.bridgePlugin])
            let old = try f.cnictl("status", [])
            #expect(old.status == 0 && old.stdout.isEmpty && old.stderr.contains("1.1.0"), "status 1.0.0: \(old.summary)")

            // The reference plugins (1.1.1) do not implement STATUS / GC; the error they print
            // when exec'd directly the way libcni does must come back unchanged.
            try f.writeList(version: "1.1.0", plugins: [f.bridgePlugin])
            for command in ["status", "gc"] {
                let out = try f.cnictl(command, [])
                let oracle = try PluginExec(
                    binary: TestEnvironment.reference("bridge"), command: command.uppercased(), containerID: "", netns: "",
                    ifname: "", args: "", config: #"{"cniVersion":"1.1.0","name":"\#(f.network)","type":"bridge"}"#
                ).run()
                #expect(oracle.status != 0 && oracle.code != nil, "oracle \(command): \(oracle.summary)")
                #expect(out.status == 1, "\(command): \(out.summary)")
                #expect(out.code == oracle.code, "\(command): \(out.summary) vs \(oracle.summary)")
                #expect(out.json?["msg"] as? String == oracle.json?["msg"] as? String)
                #expect(out.stderr.contains("bridge"), "stderr names the plugin: \(out.stderr)")
            }
        }
    }

    @Test func legacySingleConfigAndNotFound() throws {
        try Self.withFixture { f in
            let c = try f.container()
            // host-local reads its options from "ipam"; as a main plugin give it both.
            let withIPAM = #"{"cniVersion":"0.3.1","name":"\#(f.network)","type":"host-local","ipam":{"type":"host-local","dataDir":"\#(f.dataDir)","ranges":[[{"subnet":"10.89.0.0/24"}]]}}"#
            try withIPAM.write(toFile: "\(f.confDir)/50-legacy.conf", atomically: true, encoding: .utf8)

            let add = try f.cnictl("add", [c.path, "--container-id", "legacy-1"])
            #expect(add.status == 0, "add: \(add.summary)")
            let result = try #require(add.json)
            #expect(result["cniVersion"] as? String == "0.3.1")
            let ip = (result["ips"] as? [[String: Any]])?.first ?? [:]
            #expect(ip["version"] as? String == "4" && (ip["address"] as? String)?.hasPrefix("10.89.0.") == true)
            #expect(f.reservations.count == 1)
            let cached = try Self.jsonObject(try String(contentsOfFile: f.cacheFile("legacy-1"), encoding: .utf8))
            let listBytes = try #require(Data(base64Encoded: cached["config"] as? String ?? ""))
            let list = try Self.jsonObject(String(decoding: listBytes, as: UTF8.self))
            #expect((list["plugins"] as? [Any])?.count == 1, "cached config is the converted one-plugin list")

            let del = try f.cnictl("del", [c.path, "--container-id", "legacy-1"])
            #expect(del.status == 0, "del: \(del.summary)")
            #expect(f.reservations.isEmpty)

            let missing = try CnictlRun.run(["add", "no-such-net", c.name] + f.common, inNS: f.host.name)
            #expect(missing.status == 1 && missing.code == 7, "not found: \(missing.summary)")
            #expect(missing.stderr.contains("\(f.network) (50-legacy.conf)"), "the error lists what was found: \(missing.stderr)")
        }
    }

    @Test func environmentDefaultsAndExplicitConfFile() throws {
        try Self.withFixture { f in
            let c = try f.container()
            let file = "\(f.root)/elsewhere.conflist"
            try #"{"cniVersion":"1.0.0","name":"\#(f.network)","plugins":[{"type":"loopback"}]}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: file, toPath: "\(f.confDir)/10-lo.conflist")

            // NETCONFPATH, CNI_PATH, CNI_IFNAME and CNI_ARGS stand in for the options.
            let env = ["NETCONFPATH": f.confDir, "CNI_PATH": TestEnvironment.referenceDir, "CNI_IFNAME": "lo", "CNI_ARGS": "K=V"]
            let add = try CnictlRun.run(["add", f.network, c.path, "--cache-dir", f.cacheDir], inNS: f.host.name, environment: env)
            #expect(add.status == 0, "add: \(add.summary)")
            let link = try #require(try c.link("lo"))
            #expect((link["flags"] as? [String] ?? []).contains("UP"))
            let id = try Self.defaultContainerID(c.path)
            let cached = try Self.jsonObject(try String(contentsOfFile: f.cacheFile(id, ifname: "lo"), encoding: .utf8))
            #expect((cached["cniArgs"] as? [[String]]) == [["K", "V"]])

            // --conf loads that file (the conf dir is not searched) and must name the network.
            let del = try CnictlRun.run(
                ["del", f.network, c.path, "--conf", file, "--conf-dir", "/nonexistent", "--bin-dir", TestEnvironment.referenceDir,
                 "--ifname", "lo", "--cache-dir", f.cacheDir], inNS: f.host.name)
            #expect(del.status == 0, "del: \(del.summary)")
            #expect(!FileManager.default.fileExists(atPath: f.cacheFile(id, ifname: "lo")))
            let wrong = try CnictlRun.run(["del", "other-net", c.path, "--conf", file, "--cache-dir", f.cacheDir], inNS: f.host.name)
            #expect(wrong.status == 1 && wrong.code == 7, "mismatched --conf: \(wrong.summary)")
        }
    }
}
