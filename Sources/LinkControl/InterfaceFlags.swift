import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `IFF_*` flags of a network interface.
public struct InterfaceFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Administratively up (`IFF_UP`).
    public static let up = InterfaceFlags(rawValue: 0x1)
    /// The interface is a loopback device (`IFF_LOOPBACK`).
    public static let loopback = InterfaceFlags(rawValue: 0x8)
    /// Operationally running (`IFF_RUNNING`).
    public static let running = InterfaceFlags(rawValue: 0x40)
}

/// Reads and changes interface flags with the `SIOCGIFFLAGS`/`SIOCSIFFLAGS` ioctls.
///
/// The ioctls act on the network namespace the control socket was created in, so create the
/// `InterfaceControl` inside the namespace (for example in `NetworkNamespace.run`). No netlink
/// library is needed, which keeps binaries that use it fully static.
public final class InterfaceControl {
    private let socket: Int32

    /// Opens the control socket (an `AF_INET` datagram socket, never bound or connected).
    public init() throws(LinkControlError) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw LinkControlError(operation: "socket(AF_INET, SOCK_DGRAM)", interface: "", errno: errno) }
        socket = fd
    }

    deinit { close(socket) }

    /// The current flags of `interface`.
    public func flags(of interface: String) throws(LinkControlError) -> InterfaceFlags {
        var raw: UInt32 = 0
        if cni_if_get_flags(socket, interface, &raw) != 0 {
            throw LinkControlError(operation: "ioctl(SIOCGIFFLAGS)", interface: interface, errno: errno)
        }
        return InterfaceFlags(rawValue: raw)
    }

    /// Replaces the flags of `interface` (only the writable ones take effect).
    public func setFlags(_ flags: InterfaceFlags, of interface: String) throws(LinkControlError) {
        if cni_if_set_flags(socket, interface, flags.rawValue) != 0 {
            throw LinkControlError(operation: "ioctl(SIOCSIFFLAGS)", interface: interface, errno: errno)
        }
    }

    /// Brings `interface` administratively up or down. Writes only when the state differs;
    /// returns the flags the interface had before.
    @discardableResult
    public func setUp(_ up: Bool, _ interface: String) throws(LinkControlError) -> InterfaceFlags {
        let before = try flags(of: interface)
        guard before.contains(.up) != up else { return before }
        var after = before
        if up { after.insert(.up) } else { after.remove(.up) }
        try setFlags(after, of: interface)
        return before
    }
}
