import CNISpec
import NetNS
import Netlink

/// The container's interface `CNI_IFNAME`, reached from inside its namespace.
///
/// `/proc/sys/net` belongs to the namespace of the calling thread, so the body runs with the
/// thread inside the container's namespace (the plugin is single-threaded: see
/// `NetworkNamespace.runOnCurrentThread`).
struct ContainerInterface {
    let socket: NetlinkSocket
    let link: Link
    let ifName: String

    enum Reach {
        /// The namespace path is empty, gone, or not a namespace.
        case namespaceGone
        /// The namespace exists but has no interface of that name.
        case interfaceGone
    }

    /// Runs `body` inside `netns` with the interface; `missing` decides what an unreachable
    /// namespace or interface becomes (an error for ADD and CHECK, nothing for DEL).
    static func with<T>(
        netns: String, ifName: String, missing: (Reach) throws(CNIError) -> T,
        _ body: (ContainerInterface) throws(CNIError) -> T
    ) throws(CNIError) -> T {
        if netns.isEmpty { return try missing(.namespaceGone) }
        let namespace = NetworkNamespace(path: netns)
        do {
            return try namespace.runOnCurrentThread { () throws -> T in
                let socket = try attempt("could not open a netlink socket in \(netns)", code: TuningFailure.interfaceUnreachable) {
                    try NetlinkSocket()
                }
                let found = try attempt("could not look up \(ifName) in \(netns)", code: TuningFailure.interfaceUnreachable) {
                    try socket.link(named: ifName)
                }
                guard let link = found else { return try missing(.interfaceGone) }
                return try body(ContainerInterface(socket: socket, link: link, ifName: ifName))
            }
        } catch let error as CNIError {
            throw error
        } catch let error as NetNSError where error.kind == .notFound || error.kind == .notANamespace {
            return try missing(.namespaceGone)
        } catch {
            throw CNIError(TuningFailure.interfaceUnreachable, "failed to enter netns \"\(netns)\"", details: "\(error)")
        }
    }

    /// The interface as the kernel reports it now.
    func reload() throws(CNIError) -> Link {
        let found = try attempt("could not look up \(ifName)", code: TuningFailure.interfaceUnreachable) {
            try socket.link(index: link.index)
        }
        guard let found else { throw CNIError(TuningFailure.interfaceUnreachable, "\(ifName) disappeared") }
        return found
    }

    func readSysctl(_ key: String) throws(CNIError) -> String {
        try attempt("failed to read sysctl", code: TuningFailure.changeFailed) { try Sysctl.get(key) }
    }

    /// Writes `settings` (nil fields untouched): sysctls first, then the link, in the
    /// reference's order (MAC, promiscuous, MTU, all-multicast) and txqueuelen last.
    func apply(_ settings: InterfaceSettings) throws(CNIError) {
        for setting in settings.sysctls {
            try attempt("failed to set sysctl /proc/sys/\(setting.key) to \"\(setting.value)\"", code: TuningFailure.changeFailed) {
                try Sysctl.set(setting.key, setting.value)
            }
        }
        let index = link.index
        if let mac = settings.mac {
            try attempt("failed to set MAC address of \(ifName)", code: TuningFailure.changeFailed) { try socket.setMAC(index: index, mac) }
        }
        if let on = settings.promiscuous {
            try attempt("failed to set promiscuous mode of \(ifName)", code: TuningFailure.changeFailed) {
                try socket.setPromiscuous(index: index, on)
            }
        }
        if let mtu = settings.mtu {
            try attempt("failed to set MTU of \(ifName)", code: TuningFailure.changeFailed) { try socket.setMTU(index: index, mtu) }
        }
        if let on = settings.allMulticast {
            try attempt("failed to set all-multicast mode of \(ifName)", code: TuningFailure.changeFailed) {
                try socket.setAllMulticast(index: index, on)
            }
        }
        if let length = settings.txQueueLength {
            try attempt("failed to set txqueuelen of \(ifName)", code: TuningFailure.changeFailed) {
                try socket.setTxQueueLength(index: index, length)
            }
        }
    }

    /// Writes `original` back, every field even when an earlier one fails; the failures are
    /// returned, one line each.
    func restore(_ original: InterfaceSettings) -> [String] {
        var failures: [String] = []
        func step(_ body: () throws(CNIError) -> Void) {
            do { try body() } catch { failures.append(error.description) }
        }
        let index = link.index
        if let mtu = original.mtu {
            step { () throws(CNIError) in
                try attempt("failed to restore MTU \(mtu)", code: TuningFailure.changeFailed) { try socket.setMTU(index: index, mtu) }
            }
        }
        if let mac = original.mac {
            step { () throws(CNIError) in
                try attempt("failed to restore MAC \(mac)", code: TuningFailure.changeFailed) { try socket.setMAC(index: index, mac) }
            }
        }
        if let on = original.promiscuous {
            step { () throws(CNIError) in
                try attempt("failed to restore promiscuous mode", code: TuningFailure.changeFailed) {
                    try socket.setPromiscuous(index: index, on)
                }
            }
        }
        if let on = original.allMulticast {
            step { () throws(CNIError) in
                try attempt("failed to restore all-multicast mode", code: TuningFailure.changeFailed) {
                    try socket.setAllMulticast(index: index, on)
                }
            }
        }
        if let length = original.txQueueLength {
            step { () throws(CNIError) in
                try attempt("failed to restore txqueuelen \(length)", code: TuningFailure.changeFailed) {
                    try socket.setTxQueueLength(index: index, length)
                }
            }
        }
        for setting in original.sysctls.reversed() {
            step { () throws(CNIError) in
                try attempt("failed to restore /proc/sys/\(setting.key)", code: TuningFailure.changeFailed) {
                    try Sysctl.set(setting.key, setting.value)
                }
            }
        }
        return failures
    }
}
