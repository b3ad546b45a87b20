import NetNS
import Netlink

#if canImport(Glibc)
import Glibc
#endif

extension Error {
    /// A netlink "already exists" error (`EEXIST`).
    var isAlreadyExists: Bool { (self as? NetlinkError)?.alreadyExists == true }
    /// A netlink "no such object" error.
    var isNotFound: Bool { (self as? NetlinkError)?.notFound == true }
    /// `EOPNOTSUPP`: the kernel lacks the feature.
    var isNotSupported: Bool { (self as? NetlinkError)?.errno == EOPNOTSUPP }
}
