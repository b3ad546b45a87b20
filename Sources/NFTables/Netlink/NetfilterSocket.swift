#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemSupport

/// A `NETLINK_NETFILTER` socket for read-only nf_tables dumps. The only file of the target
/// that hands buffers to the kernel; everything else works on `[UInt8]`.
///
/// The socket belongs to the network namespace of the thread that creates it.
final class NetfilterSocket {
    private let fd: Int32
    private var sequence: UInt32 = 1
    private var buffer = [UInt8](repeating: 0, count: 65536)

    static let netlinkNetfilter: Int32 = 12  // NETLINK_NETFILTER

    init() throws(NFTablesError) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Self.netlinkNetfilter)
        guard fd >= 0 else { throw Self.failure("socket(AF_NETLINK, NETLINK_NETFILTER)", errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Sends one request to the kernel (an unconnected netlink socket sends to the kernel,
    /// port 0, and is bound automatically).
    func send(_ message: [UInt8]) throws(NFTablesError) {
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw Self.failure("send (nf_tables dump request)", errno) }
    }

    /// Receives one datagram (one or more netlink messages).
    func receive() throws(NFTablesError) -> [UInt8] {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let e = errno
                if e == EINTR { continue }
                throw Self.failure("recv (nf_tables dump)", e)
            }
            return Array(buffer[0..<count])
        }
    }

    static func failure(_ operation: String, _ code: Int32) -> NFTablesError {
        NFTablesError(kind: .commandFailed, operation: operation, reason: SystemError.describe(code))
    }
}
