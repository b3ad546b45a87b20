import CNIRuntime
import CNISpec
import HostLocalIPAM
import NFTables
import NetNS
import Netlink
#if canImport(Glibc)
import Glibc
#endif

/// Reads a `NodeSnapshot` of one network from the current network namespace (the node):
/// links, routes, sysctls through Netlink, forward-hook chains through NFTables, and the
/// result cache and host-local's files. Changes nothing.
public struct SnapshotGatherer {
    public let intent: NetworkIntent
    public let cacheDirectory: String

    public init(intent: NetworkIntent, cacheDirectory: String) {
        self.intent = intent
        self.cacheDirectory = cacheDirectory
    }

    public func gather() throws(CNIError) -> NodeSnapshot {
        let socket = try reading("open a netlink socket") { try NetlinkSocket() }
        var snapshot = NodeSnapshot(network: intent.network, bridge: intent.bridge, routesPodTraffic: intent.routesPodTraffic)
        snapshot.links = try links(socket)
        snapshot.routes = try reading("list routes") {
            try (socket.routes(family: AF_INET) + socket.routes(family: AF_INET6)).map {
                RouteState(destination: $0.destination, gateway: $0.gateway, outputIndex: $0.outputIndex, type: $0.type, priority: $0.priority ?? 0)
            }
        }
        snapshot.pods = pods()
        snapshot.reservations = reservations()
        snapshot.foreignForwardChains = try forwardChains()
        if intent.vxlan != nil || intent.vxlanError != nil {
            snapshot.overlay = try OverlayGatherer(intent: intent, socket: socket, links: snapshot.links).gather()
        }
        snapshot.sysctls = sysctls(overlay: snapshot.overlay)
        return snapshot
    }

    private func links(_ socket: NetlinkSocket) throws(CNIError) -> [LinkState] {
        let all = try reading("list links") { try socket.links() }
        let aliases = try reading("list link aliases") { try socket.linkAliases() }
        var aliasByIndex: [Int32: String] = [:]
        for a in aliases where !a.alias.isEmpty { aliasByIndex[a.index] = a.alias }
        return all.map {
            LinkState(
                index: $0.index, name: $0.name, kind: $0.kind, isUp: $0.isUp, masterIndex: $0.masterIndex, mtu: $0.mtu,
                mac: $0.mac, alias: aliasByIndex[$0.index], vxlan: $0.vxlan)
        }
    }

    private func sysctls(overlay: OverlaySnapshot?) -> [String: String] {
        var keys = ["net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/rp_filter"]
        let devices = [intent.bridge?.name, overlay?.device, overlay?.underlay?.name].compactMap { $0 }
        keys += devices.map { "net/ipv4/conf/\($0)/rp_filter" }
        var values: [String: String] = [:]
        for key in keys { if let value = try? Sysctl.get(key) { values[key] = value } }
        return values
    }

    /// The network's cached attachments, with the pod interface's MTU read inside each
    /// namespace that still exists.
    func pods() -> [PodAttachment] {
        ResultCache(directory: cacheDirectory).attachments(network: intent.network).map { entry in
            let args = Dictionary(entry.cniArgs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            var podName: String?
            if let namespace = args["K8S_POD_NAMESPACE"], let name = args["K8S_POD_NAME"], !namespace.isEmpty, !name.isEmpty {
                podName = "\(namespace)/\(name)"
            }
            let result = entry.result?.objectValue
            var addresses: [InetAddress] = []
            for ip in result?["ips"]?.arrayValue ?? [] {
                guard let text = ip.objectValue?["address"]?.stringValue, let prefix = InetPrefix(text) else { continue }
                if !addresses.contains(prefix.address) { addresses.append(prefix.address) }
            }
            var hostVeth: String?
            if let bridge = intent.bridge?.name {
                for item in result?["interfaces"]?.arrayValue ?? [] {
                    guard let object = item.objectValue, let name = object["name"]?.stringValue, name != bridge else { continue }
                    if (object["sandbox"]?.stringValue ?? "").isEmpty {
                        hostVeth = name
                        break
                    }
                }
            }
            let namespace = NetworkNamespace(path: entry.netns)
            let exists = entry.netns.isEmpty || (try? namespace.validate()) != nil
            var mtu: UInt32?
            if exists && !entry.netns.isEmpty {
                let ifName = entry.ifName
                mtu = try? namespace.run { try NetlinkSocket().link(named: ifName)?.mtu }
            }
            return PodAttachment(
                containerID: entry.containerID, ifName: entry.ifName, netns: entry.netns, netnsExists: exists, podName: podName,
                addresses: addresses, hostVeth: hostVeth, podInterfaceMTU: mtu)
        }
    }

    /// host-local's reservation files (`<dir>/<IP>`); nil when the network does not use
    /// host-local or its directory does not exist yet.
    func reservations() -> ReservationSnapshot? {
        guard let directory = intent.reservationDirectory, FileSystem.isDirectory(directory),
            let names = try? FileSystem.listDirectory(directory)
        else { return nil }
        var entries: [Reservation] = []
        for name in names {
            guard let address = InetAddress(name) else { continue }
            let path = FileSystem.join(directory, name)
            guard FileSystem.isRegularFile(path), let bytes = try? FileSystem.readFile(path) else { continue }
            switch ReservationRecord.decode(bytes) {
            case .attachment(let owner):
                entries.append(Reservation(address: address, containerID: owner.containerID, ifName: owner.ifname))
            case .containerID(let id):
                entries.append(Reservation(address: address, containerID: id, ifName: nil))
            }
        }
        return ReservationSnapshot(directory: directory, entries: entries)
    }

    /// Base chains on the forward hook of tables that are not ours, with the attachments our
    /// firewall plugin opened in each drop-policy chain.
    func forwardChains() throws(CNIError) -> [ForwardChain] {
        do {
            let session = try NFTablesSession()
            var chains: [ForwardChain] = []
            for info in try session.baseChains() where info.isForward && !info.table.name.hasPrefix("swcni") {
                var opened: Set<String> = []
                var accepts: [AcceptRule.Accepts] = []
                if info.dropsByDefault {
                    // The rules' expressions need libnftables; without it, only our tags count.
                    var listing = try? session.context().listTable(info.table)
                    if listing == nil { listing = try session.snapshot(info.table) }
                    for rule in listing?.rules(in: info.name) ?? [] {
                        if let key = rule.comment.flatMap(RuleTag.init(comment:))?.attachmentKey { opened.insert(key) }
                        accepts.append(AcceptRule.read(rule.expressions))
                    }
                }
                chains.append(ForwardChain(
                    family: info.table.family.rawValue, table: info.table.name, chain: info.name, dropsByDefault: info.dropsByDefault,
                    policyPackets: info.policyPackets, policyBytes: info.policyBytes, openedAttachmentKeys: opened,
                    accepts: accepts))
            }
            return chains
        } catch {
            throw CNIError(.internalError, "read the forward-hook chains (nftables)", details: error.description)
        }
    }
}

/// Runs a netlink read, turning its error into a CNI error naming the operation.
func reading<T>(_ operation: String, _ body: () throws -> T) throws(CNIError) -> T {
    do {
        return try body()
    } catch {
        throw CNIError(.internalError, "could not \(operation)", details: String(describing: error))
    }
}
