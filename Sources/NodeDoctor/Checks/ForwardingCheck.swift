/// IP forwarding must be on for every address family the node routes pods of: IPv4 when an
/// IPv4 pod (or an IPv4 pod CIDR of this node's overlay) exists, IPv6 likewise. A network
/// that only bridges (no gateway, no overlay) does not need it.
public enum ForwardingCheck {
    static let keys: [(ipv4: Bool, key: String, name: String)] = [
        (true, "net/ipv4/ip_forward", "net.ipv4.ip_forward"),
        (false, "net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding"),
    ]

    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard s.routesPodTraffic else { return [] }
        var families = Set(s.pods.flatMap(\.addresses).map(\.isIPv4))
        for cidr in s.overlay?.selfNode?.podCIDRs ?? [] { families.insert(cidr.address.isIPv4) }
        var found: [Finding] = []
        for entry in keys where families.contains(entry.ipv4) {
            guard let value = s.sysctls[entry.key], value != "1" else { continue }
            let pods = s.pods.filter { $0.addresses.contains { $0.isIPv4 == entry.ipv4 } }.count
            found.append(Finding(
                check: "ip-forwarding-off", network: s.network, object: entry.name,
                problem: "IP\(entry.ipv4 ? "v4" : "v6") forwarding is off: pod traffic leaving the node or crossing networks is dropped",
                evidence: "\(entry.name) = \(value) (/proc/sys/\(entry.key)); \(pods) \(entry.ipv4 ? "IPv4" : "IPv6") pod(s) cached",
                fix: "sysctl -w \(entry.name)=1 (and persist it in /etc/sysctl.d/)"))
        }
        return found
    }
}
