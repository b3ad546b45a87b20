import CMnl
#if canImport(Glibc)
import Glibc
#endif

extension NetlinkSocket {
    /// The output interface index the kernel picks for `destination` (`ip route get`), or
    /// nil when the reply names none (a local or unreachable destination).
    public func outputInterface(toward destination: InetAddress) throws -> Int32? {
        var header = RouteHeader(family: destination.family)
        header.destinationLength = destination.maxPrefixLength
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETROUTE), flags: 0)
        message.append(raw: header.bytes)
        message.put(UInt16(nl: RTA_DST.rawValue), destination.bytes)
        let replies = try request(message, "look up the route to \(destination)")
        return replies.first { $0.type == UInt16(nl: RTM_NEWROUTE) }.flatMap(Route.init)?.outputIndex
    }
}
