import CNIRuntime
import Foundation
import Testing
import JSONSupport

/// Every conflist we ship for today's runtimes says `cniVersion` 1.0.0, which libcni before
/// 1.2 (containerd 1.6/1.7, podman 4) can read results of, and announces 1.1.0 in
/// `cniVersions`, which libcni 1.2+ and cnictl select (GC and STATUS).
@Suite("shipped conflists")
struct ShippedConfigVersionTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let files: [String] = ["conf/examples", "conf/node"].flatMap { dir in
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(dir)")) ?? [])
            .filter { $0.hasSuffix(".conflist") }.sorted().map { "\(dir)/\($0)" }
    }

    @Test func theDirectoriesHoldConflists() {
        #expect(Self.files.contains("conf/node/99-swift-cni-loopback.conflist"))
        #expect(Self.files.contains("conf/examples/bridge-kubernetes-node.conflist"))
        #expect(Self.files.count >= 7, "\(Self.files)")
    }

    @Test(arguments: files)
    func versionsForOldAndNewLibcni(_ file: String) throws {
        let path = "\(Self.root)/\(file)"
        let raw = try #require(try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue)
        #expect(raw["cniVersion"] == .string("1.0.0"), "what libcni < 1.2 runs the list with")
        #expect(raw["cniVersions"] == .array([.string("1.0.0"), .string("1.1.0")]))
        let list = try ConfigLoader.load(file: path)
        #expect(list.cniVersion == .v1_1_0, "selected by cnictl, as by libcni >= 1.2")
    }

    /// The Kubernetes-node lists: portmap and bandwidth declare the capabilities containerd
    /// and CRI-O pass (`portMappings`, `bandwidth`), so libcni gives them `runtimeConfig`.
    @Test(arguments: [
        ("conf/examples/bridge-kubernetes-node.conflist", ["bridge", "portmap", "bandwidth"]),
        ("conf/examples/vxlan-node.conflist", ["bridge", "vxlan", "portmap", "bandwidth"]),
    ])
    func kubernetesNodeChains(_ file: String, _ types: [String]) throws {
        let list = try ConfigLoader.load(file: "\(Self.root)/\(file)")
        #expect(list.pluginTypes == types)
        let caps = try CapabilityArgs.parseJSON(
            #"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{"ingressRate":1000,"ingressBurst":8000},"mac":"02:00:00:00:00:01"}"#,
            source: "test")
        for (index, plugin) in list.plugins.enumerated() {
            let runtimeConfig = RequestBuilder.filteredCapabilities(plugin: plugin, capabilityArgs: caps)
            switch types[index] {
            case "portmap": #expect(runtimeConfig.keys == ["portMappings"])
            case "bandwidth": #expect(runtimeConfig.keys == ["bandwidth"])
            // vxlan reads `bandwidth` to send a shaped pod's traffic through its host veth.
            case "vxlan": #expect(runtimeConfig.keys == ["bandwidth"])
            default: #expect(runtimeConfig.isEmpty, "\(types[index]) declares no capability")
            }
        }
    }
}
