import CNISpec
import PluginRuntime

/// The bridge's IPAM calls: `IPAMDelegate` with the runner the executable chose (exec by
/// default; the bridge's `main` runs its sibling host-local in-process, see `InProcessIPAM`).
struct BridgeIPAM: Sendable {
    let runner: IPAMDelegate.Runner

    func add(_ request: CNIRequest) throws(CNIError) -> CNIResult { try IPAMDelegate.add(request, runner: runner) }
    func del(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.del(request, runner: runner) }
    func check(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.check(request, runner: runner) }
    func gc(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.gc(request, runner: runner) }
    func status(_ request: CNIRequest) throws(CNIError) { try IPAMDelegate.status(request, runner: runner) }
}
