#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Lists the IP addresses of an interface with `getifaddrs(3)`, which asks the kernel over
/// NETLINK_ROUTE in the network namespace of the calling thread.
public enum InterfaceAddresses {
    /// The IPv4 and IPv6 addresses of `interface`, in the order the kernel reports them
    /// (within a family, the order of `ip addr show`). Empty when the interface has none or
    /// does not exist.
    public static func list(_ interface: String) throws(LinkControlError) -> [InterfaceAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        if getifaddrs(&head) != 0 {
            throw LinkControlError(operation: "getifaddrs", interface: interface, errno: errno)
        }
        defer { freeifaddrs(head) }
        var addresses: [InterfaceAddress] = []
        var cursor = head
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let name = entry.pointee.ifa_name, String(cString: name) == interface,
                let address = entry.pointee.ifa_addr
            else { continue }
            guard let bytes = addressBytes(address) else { continue }
            let maskBytes = entry.pointee.ifa_netmask.flatMap(addressBytes)
            let prefix = maskBytes.flatMap(InterfaceAddress.prefixLength(ofMask:)) ?? bytes.count * 8
            if let parsed = InterfaceAddress(bytes: bytes, prefixLength: prefix) {
                addresses.append(parsed)
            }
        }
        return addresses
    }

    /// The address bytes of an `AF_INET` or `AF_INET6` socket address; nil for other families
    /// (getifaddrs also reports `AF_PACKET` entries).
    private static func addressBytes(_ address: UnsafeMutablePointer<sockaddr>) -> [UInt8]? {
        let raw = UnsafeRawPointer(address)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            var value = raw.load(as: sockaddr_in.self).sin_addr
            return withUnsafeBytes(of: &value) { Array($0) }
        case AF_INET6:
            var value = raw.load(as: sockaddr_in6.self).sin6_addr
            return withUnsafeBytes(of: &value) { Array($0) }
        default:
            return nil
        }
    }
}
