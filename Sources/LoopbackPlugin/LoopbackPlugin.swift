import CNISpec
import LinkControl
import NetNS

/// The `loopback` plugin: brings `lo` up in the container's network namespace on ADD and down
/// on DEL. `CNI_IFNAME` is ignored (it is always `lo`), as in the reference plugin.
public struct LoopbackPlugin: CNIPlugin {
    public init() {}

    public var about: String { "CNI loopback plugin (swift-cni)" }

    static let lo = LoopbackResult.interfaceName

    /// ADD: `lo` up; fails (and puts `lo` back down when it was down) if `lo` carries a
    /// non-loopback address. Returns prevResult when there is one, else the loopback result.
    public func add(_ request: CNIRequest) throws -> CNIResult {
        // prevResult is decoded before the namespace is touched: bad input changes nothing.
        let previous = try request.config.prevResult()
        let netns = request.netns
        let addresses = try inNamespace(netns) { () throws -> [InterfaceAddress] in
            let control: InterfaceControl
            let before: InterfaceFlags
            let addresses: [InterfaceAddress]
            do throws(LinkControlError) {
                control = try InterfaceControl()
                before = try control.setUp(true, Self.lo)
                addresses = try InterfaceAddresses.list(Self.lo)
            } catch {
                throw error.loopbackCNIError(netns: netns)
            }
            if let foreign = LoopbackResult.firstNonLoopback(addresses) {
                if !before.contains(.up) { _ = try? control.setUp(false, Self.lo) }
                throw CNIError(
                    LoopbackErrorCode.nonLoopbackAddress, "loopback interface found with non-loopback address",
                    details: "lo in \(netns) has \(foreign.cidr)")
            }
            return addresses
        }
        return previous ?? LoopbackResult.make(addresses: addresses, netns: netns)
    }

    /// DEL: `lo` down. Succeeds when `CNI_NETNS` is empty, does not exist or is not a
    /// namespace any more (an unmounted pin file), and when `lo` is already down or gone.
    public func del(_ request: CNIRequest) throws {
        let netns = request.netns
        if netns.isEmpty { return }
        do {
            try NetworkNamespace(path: netns).run { () throws in
                do throws(LinkControlError) {
                    try InterfaceControl().setUp(false, Self.lo)
                } catch where error.isNoSuchInterface {
                    return
                } catch {
                    throw error.loopbackCNIError(netns: netns)
                }
            }
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return
        } catch let error as NetNSError {
            throw error.loopbackCNIError
        }
    }

    /// CHECK: `lo` exists and is up.
    public func check(_ request: CNIRequest) throws {
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
    private func inNamespace<T>(_ path: String, _ body: () throws -> T) throws(CNIError) -> T {
        do {
            return try NetworkNamespace(path: path).run(body)
        } catch let error as NetNSError {
            throw error.loopbackCNIError
        } catch {
            throw PluginDispatcher.cniError(from: error)
        }
    }
}
