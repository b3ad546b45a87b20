import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// A route (`RTM_NEWROUTE`), as added or as dumped.
public struct Route: Sendable, Equatable {
    /// `0.0.0.0/0` or `::/0` for a default route.
    public var destination: InetPrefix
    public var gateway: InetAddress?
    public var outputIndex: Int32?
    /// `RT_TABLE_MAIN` (254) unless set.
    public var table: UInt32
    /// `RT_SCOPE_*`; when adding, nil means universe with a gateway and link without one.
    public var scope: UInt8?
    /// `RTA_PRIORITY` (the metric).
    public var priority: UInt32?
    /// `RTAX_MTU` and `RTAX_ADVMSS` inside `RTA_METRICS`.
    public var mtu: UInt32?
    public var advmss: UInt32?
    /// `RTNH_F_ONLINK`: the gateway is on the link even without a matching prefix.
    public var onLink: Bool
    /// `RTA_PREFSRC`.
    public var preferredSource: InetAddress?
    /// `RTN_*`; `RTN_UNICAST` (1) unless set.
    public var type: UInt8
    /// `RTPROT_*` of a dumped route (`RTPROT_BOOT` (3) for ours, as `ip route add`).
    public var protocolID: UInt8

    public init(
        destination: InetPrefix, gateway: InetAddress? = nil, outputIndex: Int32? = nil,
        table: UInt32 = UInt32(RT_TABLE_MAIN.rawValue), scope: UInt8? = nil, priority: UInt32? = nil,
        mtu: UInt32? = nil, advmss: UInt32? = nil, onLink: Bool = false, preferredSource: InetAddress? = nil
    ) {
        self.destination = destination
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.table = table
        self.scope = scope
        self.priority = priority
        self.mtu = mtu
        self.advmss = advmss
        self.onLink = onLink
        self.preferredSource = preferredSource
        type = UInt8(RTN_UNICAST)
        protocolID = UInt8(RTPROT_BOOT)
    }

    public var family: UInt8 { destination.address.family }
    public var isDefault: Bool { destination.length == 0 }

    init?(_ reply: NetlinkReply) {
        guard let header = RouteHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: RouteHeader.size)
        let zero = [UInt8](repeating: 0, count: header.family == UInt8(AF_INET6) ? 16 : 4)
        guard let address = InetAddress(bytes: a.payload(UInt16(nl: RTA_DST.rawValue)) ?? zero) else { return nil }
        destination = InetPrefix(address, length: header.destinationLength)
        gateway = a.payload(UInt16(nl: RTA_GATEWAY.rawValue)).flatMap(InetAddress.init(bytes:))
        outputIndex = a.i32(UInt16(nl: RTA_OIF.rawValue))
        table = a.u32(UInt16(nl: RTA_TABLE.rawValue)) ?? UInt32(header.table)
        scope = header.scope
        priority = a.u32(UInt16(nl: RTA_PRIORITY.rawValue))
        let metrics = a.nested(UInt16(nl: RTA_METRICS.rawValue))
        mtu = metrics?.u32(UInt16(nl: RTAX_MTU))
        advmss = metrics?.u32(UInt16(nl: RTAX_ADVMSS))
        onLink = header.flags & UInt32(RTNH_F_ONLINK) != 0
        preferredSource = a.payload(UInt16(nl: RTA_PREFSRC.rawValue)).flatMap(InetAddress.init(bytes:))
        type = header.type
        protocolID = header.protocolID
    }
}

extension NetlinkSocket {
    /// Adds `route`; `EEXIST` (`alreadyExists`) when an equal route is there.
    public func addRoute(_ route: Route) throws {
        try send(route, type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, verb: "add")
    }

    /// Adds `route` or replaces the route with the same destination, table and metric.
    public func replaceRoute(_ route: Route) throws {
        try send(route, type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_REPLACE, verb: "replace")
    }

    /// Deletes the route matching `route`'s destination and table, and its gateway, output
    /// link and priority where those are set.
    public func deleteRoute(_ route: Route) throws {
        try send(route, type: RTM_DELROUTE, flags: 0, verb: "delete")
    }

    /// Routes of one family in one table (`RT_TABLE_MAIN` by default), cache entries excluded.
    public func routes(family: Int32, table: UInt32 = UInt32(RT_TABLE_MAIN.rawValue)) throws -> [Route] {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETROUTE), flags: 0)
        message.append(raw: RouteHeader(family: UInt8(family)).bytes)
        return try dump(message, "dump routes of table \(table)", keeping: UInt16(nl: RTM_NEWROUTE), Route.init)
            .filter { $0.table == table }
    }

    private func send(_ route: Route, type: Int, flags: Int32, verb: String) throws {
        let deleting = type == Int(RTM_DELROUTE)
        var header = RouteHeader(family: route.family)
        header.destinationLength = route.destination.length
        header.table = route.table < 256 ? UInt8(route.table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        if deleting {
            header.scope = route.scope ?? UInt8(RT_SCOPE_NOWHERE.rawValue)  // any scope
        } else {
            header.protocolID = UInt8(RTPROT_BOOT)
            header.type = route.type
            header.scope = route.scope
                ?? UInt8(route.gateway == nil ? RT_SCOPE_LINK.rawValue : RT_SCOPE_UNIVERSE.rawValue)
            if route.onLink { header.flags |= UInt32(RTNH_F_ONLINK) }
        }
        let message = NetlinkMessage(type: UInt16(nl: type), flags: flags)
        message.append(raw: header.bytes)
        message.put(UInt16(nl: RTA_TABLE.rawValue), u32: route.table)
        if route.destination.length > 0 || deleting {
            message.put(UInt16(nl: RTA_DST.rawValue), route.destination.address.bytes)
        }
        if let gateway = route.gateway { message.put(UInt16(nl: RTA_GATEWAY.rawValue), gateway.bytes) }
        if let oif = route.outputIndex { message.put(UInt16(nl: RTA_OIF.rawValue), i32: oif) }
        if let priority = route.priority { message.put(UInt16(nl: RTA_PRIORITY.rawValue), u32: priority) }
        if let source = route.preferredSource { message.put(UInt16(nl: RTA_PREFSRC.rawValue), source.bytes) }
        if !deleting, route.mtu != nil || route.advmss != nil {
            message.nest(UInt16(nl: RTA_METRICS.rawValue)) { metrics in
                if let mtu = route.mtu { metrics.put(UInt16(nl: RTAX_MTU), u32: mtu) }
                if let advmss = route.advmss { metrics.put(UInt16(nl: RTAX_ADVMSS), u32: advmss) }
            }
        }
        let via = route.gateway.map { " via \($0)" } ?? ""
        let dev = route.outputIndex.map { " dev ifindex \($0)" } ?? ""
        try request(message, "\(verb) route \(route.destination)\(via)\(dev) table \(route.table)")
    }
}
