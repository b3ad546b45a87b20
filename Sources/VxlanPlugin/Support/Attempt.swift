import CNISpec

/// Runs one step and turns any failure into a `CNIError` naming the step; errors that know
/// their CNI code (netlink, nftables) keep it, with the step prepended to the message.
func attempt<T>(_ step: @autoclosure () -> String, code: CNIErrorCode = .internalError, _ body: () throws -> T)
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
