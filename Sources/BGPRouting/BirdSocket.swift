#if canImport(Glibc)
import Glibc
#endif

/// A connected unix stream socket to BIRD's control socket: the only place in BGPRouting
/// with raw pointers (`sockaddr_un`, buffers). Every send and receive has `timeout`, so a
/// hung BIRD costs a plugin at most that long per call, never a block.
final class BirdSocket {
    let path: String
    private let fd: Int32

    init(path: String, timeoutMilliseconds: Int) throws(BirdControlError) {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket for", path: path, errno: errno) }
        self.fd = fd
        var tv = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            guard setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                let code = errno
                close(fd)
                throw .system(operation: "set the timeout of", path: path, errno: code)
            }
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            throw .system(operation: "connect to", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        // SO_SNDTIMEO also bounds a connect to a listener whose backlog is full.
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            if code == EAGAIN || code == EINPROGRESS { throw .timeout(operation: "connect to", path: path) }
            throw .system(operation: "connect to", path: path, errno: code)
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws(BirdControlError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { throw .timeout(operation: "send to", path: path) }
                throw .system(operation: "send to", path: path, errno: code)
            }
            offset += n
        }
    }

    /// Up to `maximum` bytes; empty at end of stream.
    func receive(maximum: Int = 16384) throws(BirdControlError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(buffer[..<n]) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { throw .timeout(operation: "receive from", path: path) }
            throw .system(operation: "receive from", path: path, errno: code)
        }
    }
}
