import CNISpec
import NFTables
import Netlink
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The host-side kernel changes besides the rules: `route_localnet` for localhost:hostPort
/// and the deletion of stale UDP flows.
enum KernelSettings {
    /// `net.ipv4.conf.<if>.route_localnet=1` on the interface routing to `container`: a
    /// connection to 127.0.0.1:hostPort keeps its loopback source until the masquerade in
    /// postrouting, and the route lookup after DNAT drops such packets without it.
    static func enableRouteLocalnet(toward container: NFTPrefix) throws(CNIError) {
        do {
            let socket = try NetlinkSocket()
            guard let address = InetAddress(container.address), let index = try socket.outputInterface(toward: address),
                let link = try socket.link(index: index)
            else {
                throw CNIError(PortMapError.kernelSettingFailed, "portmap: no interface routes to the container address \(container.address)")
            }
            let key = "net/ipv4/conf/\(link.name)/route_localnet"
            if (try? Sysctl.get(key)) != "1" { try Sysctl.set(key, "1") }
        } catch let error as CNIError {
            throw error
        } catch {
            throw CNIError(PortMapError.kernelSettingFailed, "portmap: could not enable route_localnet", details: String(describing: error))
        }
    }

    /// Deletes conntrack entries of UDP flows to the mapped host ports: a flow the kernel
    /// tracked before the mapping existed (a client retrying every second) would otherwise
    /// keep bypassing the DNAT until it times out.
    static func deleteStaleUDPFlows(_ mappings: [PortMapping], families: [NFTPrefix.Family]) throws(CNIError) {
        let ports = Set(mappings.filter { $0.l4 == .udp }.map { UInt16($0.hostPort) })
        guard !ports.isEmpty else { return }
        do {
            let socket = try NetlinkSocket.netfilter()
            var deleted = 0
            for family in families {
                deleted += try socket.deleteConntrackEntries(
                    family: family == .ipv4 ? AF_INET : AF_INET6, protocolNumber: UInt8(IPPROTO_UDP), destinationPorts: ports)
            }
            if deleted > 0 {
                Log(prefix: "portmap")("deleted \(deleted) stale UDP conntrack entries")
            }
        } catch {
            throw CNIError(PortMapError.conntrackFailed, "portmap: could not delete stale UDP conntrack entries", details: String(describing: error))
        }
    }
}
