import CNISpec
import LinkControl

/// The result of a loopback ADD that has no prevResult, as the reference builds it: the `lo`
/// interface (all-zero MAC, sandbox = `CNI_NETNS`) and, on interface 0, the first IPv4 and the
/// first IPv6 address found on it.
public enum LoopbackResult {
    public static let interfaceName = "lo"
    public static let mac = "00:00:00:00:00:00"

    public static func make(addresses: [AssignedAddress], netns: String) -> CNIResult {
        var result = CNIResult(interfaces: [.init(name: interfaceName, mac: mac, sandbox: netns)])
        for family in [AssignedAddress.Family.ipv4, .ipv6] {
            if let first = addresses.first(where: { $0.family == family }) {
                result.ips.append(.init(address: first.cidr, interface: 0))
            }
        }
        return result
    }

    /// The first address of `addresses` that is not a loopback address, if any.
    public static func firstNonLoopback(_ addresses: [AssignedAddress]) -> AssignedAddress? {
        addresses.first { !$0.isLoopback }
    }
}
