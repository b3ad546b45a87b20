import CNISpec
import SystemSupport
import PluginRuntime

/// The IPAM ADD of one request, started at once on its own thread. `claim` waits for its
/// result and hands the release to the rollback; `releaseIfUnclaimed` releases an address
/// nobody claimed because the ADD failed before it got there.
final class PendingIPAM {
    private let request: CNIRequest
    private let ipam: BridgeIPAM
    private let step: BackgroundStep<CNIResult, CNIError>
    private var claimed = false

    init(request: CNIRequest, ipam: BridgeIPAM) {
        self.request = request
        self.ipam = ipam
        step = BackgroundStep { () -> Result<CNIResult, CNIError> in
            do throws(CNIError) {
                return .success(try ipam.add(request))
            } catch {
                return .failure(error)
            }
        }
    }

    func claim(rollback: Rollback) throws(CNIError) -> CNIResult {
        claimed = true
        let result = try step.join().get()
        let request = self.request
        let ipam = self.ipam
        rollback.add("release the IPAM reservation") { try ipam.del(request) }
        return result
    }

    func releaseIfUnclaimed() {
        guard !claimed else { return }
        claimed = true
        if case .success = step.join() {
            do {
                try ipam.del(request)
            } catch {
                logger("rollback: IPAM DEL failed: \(error)")
            }
        }
    }
}
