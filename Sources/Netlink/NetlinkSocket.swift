import CMnl
import NetNS
#if canImport(Glibc)
import Glibc
#endif

/// A `NETLINK_ROUTE` (or other netlink protocol) socket (libmnl) bound to the network namespace it was opened in.
///
/// Requests are synchronous: one message out, then replies read until its acknowledgement
/// (or `NLMSG_DONE` for a dump), matched by sequence number. The socket asks for extended
/// acks (`NETLINK_EXT_ACK`) so errors carry the kernel's message, capped acks
/// (`NETLINK_CAP_ACK`), and strict dump checking (`NETLINK_GET_STRICT_CHK`) so the kernel
/// filters dumps by the header fields we set. Use one socket from one thread at a time.
public final class NetlinkSocket {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32
    private let receiveBuffer: UnsafeMutableRawPointer
    private static let receiveCapacity = 65536
    /// Test hook: called after each datagram of a reply is consumed, with its position in
    /// the exchange (0 = first), so a test can change the kernel's tables in mid-dump.
    var afterDatagram: ((Int) -> Void)?

    /// Opens a socket in the calling thread's network namespace; `NETLINK_ROUTE` unless
    /// `netlinkProtocol` says otherwise (`NETLINK_NETFILTER` for conntrack).
    public init(protocol netlinkProtocol: Int32 = NETLINK_ROUTE) throws {
        guard let socket = mnl_socket_open2(netlinkProtocol, Int32(SOCK_CLOEXEC.rawValue)) else {
            throw NetlinkError(operation: "open netlink socket", errno: Glibc.errno)
        }
        if mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) < 0 {
            let code = Glibc.errno
            mnl_socket_close(socket)
            throw NetlinkError(operation: "bind netlink socket", errno: code)
        }
        var on: Int32 = 1
        for option in [NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK] {
            if mnl_socket_setsockopt(socket, option, &on, socklen_t(MemoryLayout<Int32>.size)) < 0 {
                let code = Glibc.errno
                mnl_socket_close(socket)
                throw NetlinkError(operation: "set netlink socket option \(option)", errno: code)
            }
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        sequence = UInt32(truncatingIfNeeded: time(nil))
        receiveBuffer = UnsafeMutableRawPointer.allocate(byteCount: Self.receiveCapacity, alignment: 8)
    }

    /// Opens a socket inside `namespace` (on a short-lived thread that enters it); the socket
    /// keeps operating on that namespace from any thread afterwards.
    public static func open(in namespace: NetworkNamespace) throws -> NetlinkSocket {
        try namespace.run { try NetlinkSocket() }
    }

    /// `open(in:)` without a thread: the calling thread enters the namespace, opens the
    /// socket and returns (see `NetworkNamespace.runOnCurrentThread` for when that is allowed).
    public static func openOnCurrentThread(in namespace: NetworkNamespace) throws -> NetlinkSocket {
        try namespace.runOnCurrentThread { try NetlinkSocket() }
    }

    deinit {
        mnl_socket_close(socket)
        receiveBuffer.deallocate()
    }

    /// Sends `message` with `NLM_F_ACK` and waits for the acknowledgement. Messages the kernel
    /// sends before it (a `GET` reply) are returned.
    @discardableResult
    func request(_ message: NetlinkMessage, _ operation: @autoclosure () -> String) throws -> [NetlinkReply] {
        message.flags |= UInt16(nl: NLM_F_REQUEST | NLM_F_ACK)
        return try exchange(message, operation).replies
    }

    /// Sends a `NLM_F_DUMP` request and collects every message up to `NLMSG_DONE`, dumping
    /// again when the kernel flags the dump as interrupted.
    func dump(_ message: NetlinkMessage, _ operation: @autoclosure () -> String) throws -> [NetlinkReply] {
        message.flags |= UInt16(nl: NLM_F_REQUEST | NLM_F_DUMP)
        return try DumpRetry.run(operation: operation()) { try exchange(message, operation) }
    }

    /// Dumps like `dump`, keeping the messages of type `replyType` that `decode` accepts.
    func dump<T>(
        _ message: NetlinkMessage, _ operation: @autoclosure () -> String, keeping replyType: UInt16,
        _ decode: (NetlinkReply) -> T?
    ) throws -> [T] {
        try dump(message, operation()).filter { $0.type == replyType }.compactMap(decode)
    }

    private func exchange(_ message: NetlinkMessage, _ operation: () -> String) throws -> DumpRetry.Pass {
        sequence &+= 1
        let seq = sequence
        guard let bytes = message.finish(sequence: seq) else {
            throw NetlinkError(operation: operation() + " (request larger than \(NetlinkMessage.capacity) bytes)", errno: EMSGSIZE)
        }
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        if sent < 0 { throw NetlinkError(operation: operation() + " (send)", errno: Glibc.errno) }

        var collector = ReplyCollector(sequence: seq, portID: portID)
        var datagrams = 0
        while !collector.finished {
            let count = mnl_socket_recvfrom(socket, receiveBuffer, Self.receiveCapacity)
            if count < 0 {
                let code = Glibc.errno
                if code == EINTR { continue }
                throw NetlinkError(operation: operation() + " (receive)", errno: code)
            }
            collector.consume(Self.split(receiveBuffer, count: count))
            afterDatagram?(datagrams)
            datagrams += 1
        }
        if let failure = collector.failure {
            throw NetlinkError(operation: operation(), errno: failure.errno, kernelMessage: failure.kernelMessage)
        }
        return DumpRetry.Pass(replies: collector.replies, interrupted: collector.interrupted)
    }

    /// Splits a datagram given as bytes into messages (for tests of the receive path).
    static func split(datagram bytes: [UInt8]) -> [NetlinkReply] {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        defer { buffer.deallocate() }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return split(buffer, count: bytes.count)
    }

    /// Splits a datagram into messages (libmnl's bounds checks), copying each one out.
    private static func split(_ buffer: UnsafeMutableRawPointer, count: Int) -> [NetlinkReply] {
        var replies: [NetlinkReply] = []
        var remaining = Int32(count)
        var header: UnsafePointer<nlmsghdr>? = UnsafePointer(buffer.assumingMemoryBound(to: nlmsghdr.self))
        while let current = header, mnl_nlmsg_ok(current, remaining) {
            let length = Int(current.pointee.nlmsg_len)
            let payload = UnsafeRawBufferPointer(
                start: UnsafeRawPointer(current) + NetlinkReply.headerSize, count: length - NetlinkReply.headerSize)
            replies.append(
                NetlinkReply(
                    type: current.pointee.nlmsg_type, flags: current.pointee.nlmsg_flags,
                    sequence: current.pointee.nlmsg_seq, portID: current.pointee.nlmsg_pid, payload: Array(payload)))
            header = UnsafePointer(mnl_nlmsg_next(current, &remaining))
        }
        return replies
    }
}
