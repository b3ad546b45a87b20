import CNISpec
import LinkControl
import NetNS
import PluginRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `loopback` plugin: brings `lo` up in the container's network namespace on ADD and down
/// on DEL. `CNI_IFNAME` is ignored (it is always `lo`), as in the reference plugin.
public struct LoopbackPlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI loopback plugin (swift-cni)" }

    static let lo = LoopbackResult.interfaceName

    /// ADD: `lo` up, and its addresses. Fails without changing anything if `lo` carries a
    /// non-loopback address. Returns prevResult when there is one, else the loopback result.
    public func add(_ request: CNIRequest) throws -> CNIResult {
        // prevResult is decoded before the namespace is touched: bad input changes nothing.
        let previous = try request.config.prevResult()
        let netns = request.netns
        let addresses = try inNamespace(netns) { () throws -> [AssignedAddress] in
            let control: InterfaceControl
            let flags: InterfaceFlags
            var existing: [AssignedAddress] = []
            do throws(LinkControlError) {
                control = try InterfaceControl()
                flags = try control.flags(of: Self.lo)
                if !flags.contains(.up) { existing = try InterfaceAddresses.list(Self.lo) }
            } catch {
                throw error.loopbackCNIError(netns: netns)
            }
            // Checked before the change too: a refused ADD leaves lo exactly as it was.
            try Self.refuseForeignAddresses(existing, netns: netns)
            if !flags.contains(.up) {
                do throws(LinkControlError) {
                    try control.setFlags(flags.union(.up), of: Self.lo)
                } catch {
                    throw error.loopbackCNIError(netns: netns)
                }
            }
            do {
                let addresses = try InterfaceAddresses.list(Self.lo)
                try Self.refuseForeignAddresses(addresses, netns: netns)
                return addresses
            } catch {
                // An address added while we were bringing lo up: put lo back as it was.
                if !flags.contains(.up) { try? control.setFlags(flags, of: Self.lo) }
                if let error = error as? LinkControlError { throw error.loopbackCNIError(netns: netns) }
                throw error
            }
        }
        return previous ?? LoopbackResult.make(addresses: addresses, netns: netns)
    }

    private static func refuseForeignAddresses(_ addresses: [AssignedAddress], netns: String) throws(CNIError) {
        if let foreign = LoopbackResult.firstNonLoopback(addresses) {
            throw CNIError(
                LoopbackErrorCode.nonLoopbackAddress, "loopback interface found with non-loopback address",
                details: "lo in \(netns) has \(foreign.cidr)")
        }
    }

    /// DEL: `lo` down. Succeeds when `CNI_NETNS` is empty, does not exist or is not a
    /// namespace any more (an unmounted pin file), and when `lo` is already down or gone.
    public func del(_ request: CNIRequest) throws {
        let netns = request.netns
        if netns.isEmpty { return }
        do {
            // On the main thread, as in `inNamespace`.
            try NetworkNamespace(path: netns).runOnCurrentThread { () throws in
                do throws(LinkControlError) {
                    try InterfaceControl().setUp(false, Self.lo)
                } catch where error.isNoSuchInterface {
                    return
                } catch {
                    throw error.loopbackCNIError(netns: netns)
                }
            }
        } catch let error as NetNSError where error.kind == .notFound || error.isNotANetworkNamespace {
            return
        } catch let error as NetNSError {
            throw error.loopbackCNIError
        }
    }

    /// CHECK: `lo` exists and is up. prevResult is required, as for every plugin, and must
    /// decode (it is not compared: the loopback result describes nothing a later plugin
    /// could have changed).
    public func check(_ request: CNIRequest) throws {
        guard try request.config.prevResult() != nil else {
            throw CNIError(.invalidNetworkConfig, "Required prevResult missing", details: "CHECK needs the ADD result as prevResult")
        }
        let netns = request.netns
        try inNamespace(netns) { () throws in
            let flags: InterfaceFlags
            do throws(LinkControlError) {
                flags = try InterfaceControl().flags(of: Self.lo)
            } catch where error.isNoSuchInterface {
                throw CNIError(LoopbackErrorCode.loopbackNotUp, "loopback interface not found", details: "no lo in \(netns)")
            } catch {
                throw error.loopbackCNIError(netns: netns)
            }
            if !flags.contains(.up) {
                throw CNIError(
                    LoopbackErrorCode.loopbackNotUp, "loopback interface is down", details: "lo in \(netns) is not up")
            }
        }
    }

    /// GC: nothing to collect (the plugin keeps no state outside the container's namespace).
    public func gc(_ request: CNIRequest) throws {}

    /// STATUS: always ready (no daemon, no resources to run out of).
    public func status(_ request: CNIRequest) throws {}

    /// Runs `body` inside the namespace at `path`, reporting namespace failures as CNI errors.
    ///
    /// The namespace is entered on the calling (main) thread: the plugin process has no other
    /// thread, and creating one to enter the namespace costs more than the work itself on a
    /// loaded node (see `NetworkNamespace.runOnCurrentThread`).
    private func inNamespace<T>(_ path: String, _ body: () throws -> T) throws(CNIError) -> T {
        do {
            return try NetworkNamespace(path: path).runOnCurrentThread(body)
        } catch let error as NetNSError {
            throw error.loopbackCNIError
        } catch {
            throw PluginDispatcher.cniError(from: error)
        }
    }
}
