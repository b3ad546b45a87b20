#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// A netlink socket subscribed to one nflog group (the small C-wrapping part of drop
/// listening; messages are built and parsed by `NFLogRecord`). Only one listener per group
/// and network namespace: binding a group that another process holds fails with EBUSY.
public final class NFLogSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let operation: String
        public let errno: Int32
        public var description: String { "\(operation): \(SystemError.describe(errno))" }
    }

    private let fd: Int32
    public let group: UInt16

    /// Opens the socket in the calling thread's network namespace and binds `group`.
    public init(group: UInt16) throws(Failure) {
        self.group = group
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 12 /* NETLINK_NETFILTER */)
        guard fd >= 0 else { throw Failure(operation: "socket(AF_NETLINK, NETLINK_NETFILTER)", errno: errno) }
        self.fd = fd
        // struct sockaddr_nl { u16 nl_family; u16 pad; u32 nl_pid; u32 nl_groups } (pid 0: the kernel assigns).
        let family = UInt16(AF_NETLINK)
        let address: [UInt8] = [UInt8(family & 0xff), UInt8(family >> 8)] + [UInt8](repeating: 0, count: 10)
        let bound = address.withUnsafeBytes {
            bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
        }
        guard bound == 0 else { let e = errno; close(fd); throw Failure(operation: "bind netlink socket", errno: e) }
        for request in NFLogRecord.bindRequests(group: group) {
            let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == request.count else { let e = errno; close(fd); throw Failure(operation: "send nflog config for group \(group)", errno: e) }
            guard let reply = try? receive(timeoutMilliseconds: 1000) else {
                close(fd)
                throw Failure(operation: "nflog config of group \(group): no acknowledgement", errno: ETIMEDOUT)
            }
            if let error = NFLogRecord.parse(reply).errors.first {
                close(fd)
                throw Failure(operation: "bind nflog group \(group)", errno: error)
            }
        }
    }

    deinit { close(fd) }

    /// The next datagram, or `nil` when none arrives within the timeout.
    public func receive(timeoutMilliseconds: Int32) throws(Failure) -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw Failure(operation: "poll nflog socket", errno: errno)
        }
        if ready == 0 { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw Failure(operation: "receive from nflog socket", errno: errno) }
        return Array(buffer[0..<count])
    }
}
