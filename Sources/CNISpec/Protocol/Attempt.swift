/// Runs one step of a plugin operation and turns any failure into a `CNIError` naming the step.
///
/// A `CNIError` passes through unchanged; an error that knows its CNI code (netlink, nftables:
/// `CNIErrorConvertible`) keeps it, with the step prepended to its message; anything else
/// becomes `code` with the step as message and the error as details.
public func attempt<T>(_ step: @autoclosure () -> String, code: CNIErrorCode = .internalError, _ body: () throws -> T)
    throws(CNIError) -> T
{
    do {
        return try body()
    } catch let error as CNIError {
        throw error
    } catch let error as any CNIErrorConvertible {
        let inner = error.cniError
        throw CNIError(inner.code, "\(step()): \(inner.msg)", details: inner.details)
    } catch {
        throw CNIError(code, step(), details: String(describing: error))
    }
}
