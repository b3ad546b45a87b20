import CNISpec
import NetNS
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// Runs one step of an operation and turns any failure into a `CNIError` that says which
/// step failed; `CNIError`s pass through unchanged.
func attempt<T>(_ step: @autoclosure () -> String, code: CNIErrorCode = .internalError, _ body: () throws -> T)
    throws(CNIError) -> T
{
    do {
        return try body()
    } catch let error as CNIError {
        throw error
    } catch let error as any CNIErrorConvertible {
        throw error.cniError
    } catch {
        throw CNIError(code, step(), details: String(describing: error))
    }
}

extension Error {
    /// A netlink "already exists" error (`EEXIST`).
    var isAlreadyExists: Bool { (self as? NetlinkError)?.alreadyExists == true }
    /// A netlink "no such object" error.
    var isNotFound: Bool { (self as? NetlinkError)?.notFound == true }
    /// `EOPNOTSUPP`: the kernel lacks the feature.
    var isNotSupported: Bool { (self as? NetlinkError)?.errno == EOPNOTSUPP }
}
