import CNISpec
import PluginRuntime

/// A plugin that does no work: it decodes prevResult (as ADD and CHECK of real plugins do)
/// and then, by `mode` (`FUZZ_STUB`):
/// * `cni-error`: throws a CNI error (code 7);
/// * `other-error`: throws an error that is not a CNI error (reported as 999);
/// * `prev`: ADD returns prevResult when there is one (loopback's behaviour);
/// * `old`: supports only 0.3.1 and 0.4.0;
/// * anything else: ADD returns a fixed dual-stack result, other commands succeed.
struct StubPlugin: CNIPlugin {
    struct OtherError: Error {}

    let mode: String

    var about: String { "swift-cni fuzz stub plugin" }

    var supportedVersions: [CNIVersion] { mode == "old" ? [.v0_3_1, .v0_4_0] : CNIVersion.all }

    static let fixedResult = CNIResult(
        interfaces: [.init(name: "eth0", mac: "0a:58:0a:f4:00:05", sandbox: "/var/run/netns/fuzz")],
        ips: [
            .init(address: "10.244.0.5/24", gateway: "10.244.0.1", interface: 0),
            .init(address: "fd00:10:244::5/64", gateway: "fd00:10:244::1", interface: 0),
        ],
        routes: [.init(dst: "0.0.0.0/0", gw: "10.244.0.1"), .init(dst: "::/0")],
        dns: .init(nameservers: ["10.96.0.10"], domain: "cluster.local", search: ["default.svc.cluster.local"]))

    func outcome() throws {
        switch mode {
        case "cni-error": throw CNIError(.invalidNetworkConfig, "stub refuses", details: "FUZZ_STUB=cni-error")
        case "other-error": throw OtherError()
        default: return
        }
    }

    func add(_ request: CNIRequest) throws -> CNIResult {
        let previous = try request.config.prevResult()
        try outcome()
        if mode == "prev", let previous { return previous }
        return Self.fixedResult
    }

    func del(_ request: CNIRequest) throws { try outcome() }

    func check(_ request: CNIRequest) throws {
        _ = try request.config.prevResult()
        try outcome()
    }

    func gc(_ request: CNIRequest) throws {
        _ = try request.config.validAttachments()
        try outcome()
    }

    func status(_ request: CNIRequest) throws { try outcome() }
}
