import ArgumentParser
import BGPRouting
import CNIRuntime
import CNISpec
import Overlay
import JSONSupport

/// `cnictl bgp`: the vxlan plugin's routing mode bgp, seen through BIRD's control socket.
struct BGPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgp", abstract: "BGP routing of a vxlan network (routing mode bgp) through BIRD.",
        subcommands: [BGPStatus.self])
}

/// `cnictl bgp status [NETWORK]`: BIRD's BGP sessions (state, routes imported and exported,
/// last error) and its route counts, from the control socket named by the network's vxlan
/// plugin (`routing.birdSocket`), by `--socket`, or BIRD's default.
struct BGPStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "BIRD's BGP sessions and routes (plain text, or --json).")

    @Argument(help: "A network whose vxlan plugin has routing mode bgp (its birdSocket is asked).")
    var network: String?

    @Option(name: .customLong("conf-dir"), help: "Configuration directory (default: $NETCONFPATH or /etc/cni/net.d).")
    var confDir: String?

    @Option(name: .customLong("conf"), help: "Load this configuration file instead of searching the directory.")
    var confFile: String?

    @Option(name: .customLong("socket"), help: "BIRD's control socket (default: the network's, else /run/bird/bird.ctl).")
    var socket: String?

    @Flag(name: .customLong("json"), help: "Print JSON.")
    var json = false

    func run() throws {
        let path: String
        do {
            path = try socketPath()
        } catch {
            throw Output.fail("bgp status", error)
        }
        let greeting: String
        let sessions: [BirdProtocolStatus]
        let counts: [String]
        do {
            let client = try BirdClient(socketPath: path)
            greeting = client.greeting
            sessions = try client.protocols().filter { $0.proto == "BGP" }
            counts = try client.run("show route count").lines.map(\.text).filter { !$0.isEmpty }
        } catch {
            let reason = error.isNotRunning ? "BIRD is not running" : "cannot query BIRD"
            throw Output.fail("bgp status", CNIError(.pluginNotAvailable, "\(reason) (control socket \(path))", details: error.description))
        }
        if json {
            Output.printJSON(Self.json(socket: path, greeting: greeting, sessions: sessions, counts: counts))
        } else {
            print(Self.text(socket: path, greeting: greeting, sessions: sessions, counts: counts), terminator: "")
        }
    }

    private func socketPath() throws(CNIError) -> String {
        if let socket { return socket }
        guard let network else { return RoutingConfig.defaultBirdSocket }
        let list: NetworkConfigList
        if let confFile {
            list = try ConfigLoader.load(file: confFile)
            guard list.name == network else {
                throw CNIError(.invalidNetworkConfig, "\(confFile) defines network \"\(list.name)\"", details: "asked for \"\(network)\"")
            }
        } else {
            list = try ConfigLoader.load(network: network, from: confDir ?? nonEmptyEnvironment("NETCONFPATH") ?? "/etc/cni/net.d")
        }
        for plugin in list.plugins where plugin["type"]?.stringValue == "vxlan" {
            let routing = try RoutingConfig(reader: JSONFieldReader(plugin))
            if routing.isBGP { return routing.birdSocket }
        }
        throw CNIError(.invalidNetworkConfig, "network \"\(list.name)\" has no vxlan plugin with routing mode bgp")
    }

    static func json(socket: String, greeting: String, sessions: [BirdProtocolStatus], counts: [String]) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        let items: [JSONValue] = sessions.map { s in
            .object(JSONObject([
                ("name", .string(s.name)), ("peer", optional(s.description)), ("neighborAddress", optional(s.neighborAddress)),
                ("neighborAS", optional(s.neighborAS)), ("state", .string(s.bgpState ?? s.state)), ("established", .bool(s.isEstablished)),
                ("routesImported", .number(String(s.imported))), ("routesExported", .number(String(s.exported))),
                ("lastError", optional(s.lastError)),
            ]))
        }
        return .object(JSONObject([
            ("socket", .string(socket)), ("bird", .string(greeting)), ("sessions", .array(items)),
            ("routeCount", .array(counts.map { .string($0) })),
        ]))
    }

    static func text(socket: String, greeting: String, sessions: [BirdProtocolStatus], counts: [String]) -> String {
        var rows = [["SESSION", "PEER", "ADDRESS", "STATE", "IMPORTED", "EXPORTED", "LAST ERROR"]]
        for s in sessions {
            rows.append([
                s.name, s.description ?? "-", s.neighborAddress.map { "\($0) AS \(s.neighborAS ?? "?")" } ?? "-",
                s.bgpState ?? s.state, String(s.imported), String(s.exported), s.lastError ?? "-",
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = "\(greeting) (\(socket))\n"
        if sessions.isEmpty { out += "no BGP sessions\n" }
        for row in rows where !sessions.isEmpty {
            let cells = row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }
            out += cells.joined(separator: "  ") + "\n"
        }
        for line in counts { out += "routes: \(line.trimmingCharacters(in: " "))\n" }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
