import ArgumentParser
import CNISpec
import NFTables
import NetworkPolicy
import PolicyDataplane

struct PolicyApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Compile the manifests and bring the policy table to them in one transaction.")
    @OptionGroup var options: PolicyOptions
    @Flag(help: "Replace the whole table even when an incremental update is possible.")
    var full = false
    @Flag(name: .customLong("dry-run"), help: "Print what would be applied (full sync: nft script; update: JSON transaction) instead of applying it.")
    var dryRun = false
    @Argument(help: "Manifest files or folders.")
    var manifests: [String]

    func run() throws {
        if dryRun {
            do {
                let program = PolicyCompiler().compile(try options.clusterState(manifests))
                let (mode, tx) = try options.withContext { try PolicyApplier(context: $0, layout: options.layout, lockPath: nil).plan(program, forceFull: full) }
                // A full sync is applied as a native-syntax script; an update as JSON.
                print(mode == .full ? PolicySync(layout: options.layout).fullSyncScript(program) : tx.text)
                Output.info("policy apply --dry-run: \(mode.rawValue) update of \(tx.commands.count) commands (not applied)")
            } catch {
                throw policyFailure("apply", error)
            }
            return
        }
        do {
            let start = monotonicSeconds()
            let state = try options.clusterState(manifests)
            let loaded = monotonicSeconds()
            let program = PolicyCompiler().compile(state)
            let compiled = monotonicSeconds()
            let report = try options.withContext { try PolicyApplier(context: $0, layout: options.layout, lockPath: options.lockFile).apply(program, forceFull: full) }
            let done = monotonicSeconds()
            func ms(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) + " ms" }
            Output.info(
                "policy apply: \(state.policies.count) policies, \(state.policedPods.count) pods, \(program.chains.count) chains; "
                    + "\(report.mode.rawValue) update of \(report.commands) commands; "
                    + "load \(ms(loaded - start)), compile \(ms(compiled - loaded)), nftables \(ms(done - compiled))")
        } catch {
            throw policyFailure("apply", error)
        }
    }
}
