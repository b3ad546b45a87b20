#if canImport(Glibc)
import Glibc
#endif

/// Undo steps registered while an ADD progresses, run in reverse order when it fails.
/// Failures of undo steps are reported on stderr and do not stop the other steps.
final class Rollback {
    private var steps: [(what: String, undo: () throws -> Void)] = []

    func add(_ what: String, _ undo: @escaping () throws -> Void) { steps.append((what, undo)) }

    func run() {
        for step in steps.reversed() {
            do {
                try step.undo()
            } catch {
                logger("rollback: \(step.what) failed: \(error)")
            }
        }
        steps.removeAll()
    }
}
