import Foundation

/// A namespace with a veth pair (`eth0` and its peer, both inside it) standing in for a pod
/// interface created by an earlier plugin, plus a private `dataDir` for tuning's backups.
final class TuningLab {
    let ns: TestNamespace
    let dataDir: String
    let ifname = "eth0"
    let containerID: String

    init() throws {
        ns = try TestNamespace(prefix: "tun")
        dataDir = try TestEnvironment.makeTempDir("tuning")
        containerID = "c" + TestEnvironment.uniqueName("t").replacingOccurrences(of: "-", with: "")
        try Shell.must(["ip", "-n", ns.name, "link", "add", ifname, "type", "veth", "peer", "name", "peer0"])
        try Shell.must(["ip", "-n", ns.name, "link", "set", ifname, "up"])
        try Shell.must(["ip", "-n", ns.name, "link", "set", "peer0", "up"])
    }

    func remove() {
        ns.remove()
        try? FileManager.default.removeItem(atPath: dataDir)
    }

    static func with(_ body: (TuningLab) throws -> Void) throws {
        let lab = try TuningLab()
        defer { lab.remove() }
        try body(lab)
    }

    /// A tuning configuration; `options` are extra top-level members, `prevResult` is added
    /// unless `withPrevResult` is false.
    func config(_ options: String, version: String = "1.0.0", withPrevResult: Bool = true) -> String {
        let prev = withPrevResult ? ",\"prevResult\":\(prevResult(version: version))" : ""
        let extra = options.isEmpty ? "" : ",\(options)"
        return #"{"cniVersion":"\#(version)","name":"tunnet","type":"tuning","dataDir":"\#(dataDir)"\#(extra)\#(prev)}"#
    }

    func prevResult(version: String) -> String {
        let mac = (try? link()["address"] as? String) ?? "00:00:00:00:00:00"
        let ipVersion = version < "1.0.0" ? #","version":"4""# : ""
        return #"{"cniVersion":"\#(version)","interfaces":[{"name":"\#(ifname)","mac":"\#(mac)","sandbox":"\#(ns.path)"}],"#
            + #""ips":[{"address":"10.9.0.5/24","interface":0\#(ipVersion)}]}"#
    }

    func run(_ command: String, _ config: String, plugin: String = "tuning", reference: Bool = false, netns: String? = nil,
             args: String? = nil, env: [String: String] = [:]) throws -> PluginExec.Output {
        var exec = reference
            ? PluginExec.reference(plugin, command, config: config, netns: netns ?? ns.path, containerID: containerID, ifname: ifname, args: args)
            : PluginExec.ours(plugin, command, config: config, netns: netns ?? ns.path, containerID: containerID, ifname: ifname, args: args)
        exec.extraEnv = env
        return try exec.run()
    }

    /// `ip -j -d link show dev eth0`.
    func link() throws -> [String: Any] {
        guard let link = try ns.link(ifname) else { throw ShellError(command: "link \(ifname)", output: .init(status: 1, stdout: "", stderr: "missing")) }
        return link
    }

    /// What tuning can change on the link: MAC, MTU, PROMISC/ALLMULTI flags, txqlen.
    func linkState() throws -> LinkState {
        let l = try link()
        let flags = l["flags"] as? [String] ?? []
        return LinkState(mac: l["address"] as? String ?? "", mtu: l["mtu"] as? Int ?? 0, promisc: flags.contains("PROMISC"),
                         allmulti: flags.contains("ALLMULTI"), txqlen: l["txqlen"] as? Int ?? 0)
    }

    func sysctl(_ path: String) throws -> String {
        try ns.run(["cat", "/proc/sys/\(path)"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var backupFiles: [String] { (try? FileManager.default.contentsOfDirectory(atPath: dataDir))?.sorted() ?? [] }
}

struct LinkState: Equatable, CustomStringConvertible {
    var mac: String
    var mtu: Int
    var promisc: Bool
    var allmulti: Bool
    var txqlen: Int
    var description: String { "mac \(mac) mtu \(mtu) promisc \(promisc) allmulti \(allmulti) txqlen \(txqlen)" }
}
