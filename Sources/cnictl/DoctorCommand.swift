import ArgumentParser
import CNIRuntime
import CNISpec
import NodeDoctor
import SystemSupport

/// `cnictl doctor [NETWORK]`: checks this node for what breaks the network's pods and prints
/// each finding with its evidence and fix. Exit 0 healthy, 1 with findings, 2 when the node
/// could not be examined.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check this node for what breaks the network's pods; print each finding with its evidence and fix.",
        discussion: """
            Without NETWORK, every network of the configuration directory is checked. Reads the \
            kernel (links, routes, FDB, neighbours, sysctls, nftables forward chains), the result \
            cache and host-local's reservations; changes nothing. Exit status: 0 healthy, 1 with \
            findings, 2 when the node could not be examined. See docs/doctor.md for the checks \
            and the --json fields.
            """)

    @Argument(help: "The network name (default: every network in the configuration directory).")
    var network: String?

    @Option(name: .customLong("conf-dir"), help: "Configuration directory (default: $NETCONFPATH or /etc/cni/net.d).")
    var confDir: String?

    @Option(name: .customLong("conf"), help: "Load this configuration file instead of searching the directory.")
    var confFile: String?

    @Option(name: .customLong("cache-dir"), help: "Result cache directory.")
    var cacheDir: String = "/var/lib/cni"

    @Flag(name: .customLong("json"), help: "One JSON object per finding per line (fields: check, network, object, problem, evidence, fix).")
    var json = false

    func run() throws {
        let lists: [NetworkConfigList]
        do {
            lists = try loadLists()
        } catch {
            Log.line("cnictl doctor: \(error.description)")
            throw ExitCode(2)
        }
        var findings: [Finding] = []
        for list in lists {
            do {
                let snapshot = try SnapshotGatherer(intent: NetworkIntent(list), cacheDirectory: cacheDir).gather()
                findings += NodeDoctor.Doctor.examine(snapshot)
            } catch {
                Log.line("cnictl doctor: network \"\(list.name)\": \(error.description)")
                throw ExitCode(2)
            }
        }
        var text = ""
        for finding in findings {
            text += json ? finding.json.serialized() + "\n" : finding.text + "\n"
        }
        if !json {
            let names = lists.map(\.name).joined(separator: ", ")
            text += findings.isEmpty ? "healthy: no findings (\(names))\n" : "\(findings.count) finding\(findings.count == 1 ? "" : "s") (\(names))\n"
        }
        try? FileDescriptorIO.writeFully(1, Array(text.utf8))
        if !findings.isEmpty { throw ExitCode(1) }
    }

    private func loadLists() throws(CNIError) -> [NetworkConfigList] {
        if let confFile {
            let list = try ConfigLoader.load(file: confFile)
            if let network, list.name != network {
                throw CNIError(.invalidNetworkConfig, "\(confFile) defines network \"\(list.name)\", not \"\(network)\"")
            }
            return [list]
        }
        let dir = confDir ?? nonEmptyEnvironment("NETCONFPATH") ?? "/etc/cni/net.d"
        if let network { return [try ConfigLoader.load(network: network, from: dir)] }
        var lists: [NetworkConfigList] = []
        let names = try ConfigLoader.networkNames(in: dir)
        for name in names { lists.append(try ConfigLoader.load(network: name, from: dir)) }
        guard !lists.isEmpty else { throw CNIError(.invalidNetworkConfig, "no network configuration in \(dir)") }
        return lists
    }
}
