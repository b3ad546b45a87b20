import NetNS
#if canImport(Glibc)
import Glibc
#endif

/// An open descriptor of a namespace file, for `IFLA_NET_NS_FD`.
struct NamespaceDescriptor {
    let value: Int32

    init(_ namespace: NetworkNamespace) throws {
        let fd = Glibc.open(namespace.path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw NetlinkError(operation: "open network namespace \(namespace.path)", errno: Glibc.errno) }
        value = fd
    }

    func close() { _ = Glibc.close(value) }
}
