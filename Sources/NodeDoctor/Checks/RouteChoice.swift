import Netlink
import Overlay

/// The main-table route the kernel picks for a destination: the longest matching prefix of
/// the address's family among unicast routes, the lowest metric among equals. (Policy
/// routing rules and other tables are not considered.)
enum RouteChoice {
    static let unicast: UInt8 = 1

    static func best(for address: InetAddress, in routes: [RouteState]) -> RouteState? {
        var best: RouteState?
        for route in routes where route.type == unicast && route.destination.address.isIPv4 == address.isIPv4 {
            guard route.destination.contains(address) else { continue }
            if let current = best {
                if route.destination.length < current.destination.length { continue }
                if route.destination.length == current.destination.length && route.priority >= current.priority { continue }
            }
            best = route
        }
        return best
    }
}
