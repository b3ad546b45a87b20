import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import CNIRuntime
import NFTables
import NetworkPolicy
import PolicyDataplane

struct PolicyCounters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counters", abstract: "Packets and bytes per policy rule and per drop rule, from the live table.")
    @OptionGroup var options: PolicyOptions
    @Flag(help: "Also list rules that matched nothing.") var all = false

    func run() throws {
        do {
            let counters = try options.withContext { try PolicyApplier(context: $0, layout: options.layout).counters() }
            var totals: [String: (packets: Int, bytes: Int)] = [:]
            var order: [String] = []
            for counter in counters {
                if totals[counter.comment] == nil { order.append(counter.comment) }
                let previous = totals[counter.comment] ?? (0, 0)
                totals[counter.comment] = (previous.packets + counter.packets, previous.bytes + counter.bytes)
            }
            for comment in order where all || totals[comment]!.packets > 0 {
                print("\(totals[comment]!.packets) packets \(totals[comment]!.bytes) bytes  \(comment)")
            }
        } catch {
            throw policyFailure("counters", error)
        }
    }
}

struct PolicyDrops: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drops",
        abstract: "Dropped packets with the policies that dropped them.",
        discussion: """
            Without --listen: the drop-rule counters of the live table (packets dropped per set \
            of isolating policies). With --listen SECONDS: subscribes to the nflog group of the \
            drop rules in the node namespace and prints each dropped packet as it happens \
            ("SRC:PORT -> DST:PORT PROTO: swcni-np DROP <direction> <policies>"). Only one \
            process can listen to a group in a namespace.
            """)
    @OptionGroup var options: PolicyOptions
    @Option(help: "Listen to nflog for this many seconds and print each dropped packet.")
    var listen: Double?
    @Option(help: "With --listen: stop after this many packets.")
    var max: Int?

    func run() throws {
        do {
            if let listen {
                try options.withContext { _ in try Self.listen(seconds: listen, max: max, group: UInt16(options.logGroup)) }
                return
            }
            let counters = try options.withContext { try PolicyApplier(context: $0, layout: options.layout).counters() }
            for counter in counters where counter.isDrop && counter.packets > 0 {
                let direction = counter.chain.hasPrefix("in_") ? "ingress" : "egress"
                print("\(counter.packets) packets dropped (\(direction), chain \(counter.chain)): \(counter.comment)")
            }
        } catch {
            throw policyFailure("drops", error)
        }
    }

    /// Runs in the node namespace (inside `withContext`): the socket belongs to it.
    static func listen(seconds: Double, max: Int?, group: UInt16) throws {
        let socket = try NFLogSocket(group: group)
        Output.info("listening to nflog group \(group) for \(seconds) s")
        var seen = 0
        let deadline = monotonicSeconds() + seconds
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { break }
            guard let datagram = try socket.receive(timeoutMilliseconds: Int32(min(left, 1.0) * 1000) + 1) else { continue }
            for record in NFLogRecord.parse(datagram).records where record.prefix.hasPrefix(PolicyTableLayout.logPrefixTag) {
                print(record.description)
                fflush(nil)  // flushes stdout without touching the global
                seen += 1
                if let max, seen >= max { return }
            }
        }
    }
}

struct PolicyDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove the policy table (no policy enforced).")
    @OptionGroup var options: PolicyOptions

    func run() throws {
        do {
            try options.withContext { try PolicyApplier(context: $0, layout: options.layout).remove() }
            try? FileSystem.removeFile(options.statePath)  // it describes a table that is gone
            // No policy: every pod of the vxlan eBPF data path back on the fast path.
            try options.inNodeNamespace { try PolicyDataPathMarks.clear() }
        } catch {
            throw policyFailure("delete", error)
        }
    }
}
