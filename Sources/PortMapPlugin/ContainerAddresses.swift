import CNISpec
import NFTables

/// The container's addresses from `prevResult`: the first IPv4 and the first IPv6 address
/// on an interface inside the container (addresses of host-side interfaces are skipped, as
/// the reference does), with their prefix length.
enum ContainerAddresses {
    static func from(_ result: CNIResult) throws(CNIError) -> [NFTPrefix] {
        var found: [NFTPrefix] = []
        for ip in result.ips {
            if let index = ip.interface, index >= 0, index < result.interfaces.count,
                (result.interfaces[index].sandbox ?? "").isEmpty
            {
                continue
            }
            let prefix: NFTPrefix
            do {
                prefix = try NFTPrefix(ip.address)
            } catch {
                throw CNIError(.invalidNetworkConfig, "invalid address in prevResult: \"\(ip.address)\"", details: error.description)
            }
            if !found.contains(where: { $0.family == prefix.family }) { found.append(prefix) }
        }
        return found
    }
}
