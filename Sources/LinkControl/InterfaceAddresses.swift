import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Lists the IP addresses of an interface with one RTM_GETADDR dump over NETLINK_ROUTE
/// (`cni_list_addresses`), in the network namespace of the calling thread. (`getifaddrs(3)`
/// gives the same answer but dumps every link and every address, two round trips, on a path
/// that runs for every pod.)
public enum InterfaceAddresses {
    /// The IPv4 and IPv6 addresses of `interface`, in the order the kernel reports them
    /// (within a family, the order of `ip addr show dev <interface>`). Empty when the interface
    /// has none or does not exist.
    public static func list(_ interface: String) throws(LinkControlError) -> [AssignedAddress] {
        let index = if_nametoindex(interface)
        if index == 0 {
            let e = errno
            if e == ENODEV || e == ENXIO { return [] }
            throw LinkControlError(operation: "if_nametoindex", interface: interface, errno: e)
        }
        var capacity = 8
        while true {
            var entries = [cni_if_address](repeating: cni_if_address(), count: capacity)
            let count = entries.withUnsafeMutableBufferPointer { buffer in
                cni_list_addresses(index, buffer.baseAddress, Int32(buffer.count))
            }
            if count < 0 {
                let e = errno
                throw LinkControlError(operation: "RTM_GETADDR dump", interface: interface, errno: e)
            }
            if Int(count) > capacity {
                capacity = Int(count)
                continue
            }
            return entries.prefix(Int(count)).compactMap { entry in
                let length = entry.family == AF_INET ? 4 : 16
                let bytes = withUnsafeBytes(of: entry.addr) { Array($0.prefix(length)) }
                return AssignedAddress(bytes: bytes, prefixLength: Int(entry.prefixlen))
            }
        }
    }
}
