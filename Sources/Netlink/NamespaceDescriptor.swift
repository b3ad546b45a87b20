import NetNS
#if canImport(Glibc)
import Glibc
#endif

/// An open descriptor of a namespace file, for `IFLA_NET_NS_FD`.
struct NamespaceDescriptor {
    let value: Int32

    init(_ namespace: NetworkNamespace) throws {
        value = try namespace.openDescriptor()
    }

    func close() { _ = Glibc.close(value) }
}
