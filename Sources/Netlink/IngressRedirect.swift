import CMnl

/// A classifier on a link's ingress and the devices its `mirred` actions redirect to.
public struct TrafficFilter: Sendable, Equatable {
    public var index: Int32
    public var parent: UInt32
    public var priority: UInt16
    /// `TCA_KIND`: `u32`, `bpf`, ...
    public var kind: String
    /// ifindexes that `mirred egress redirect` actions of this filter send packets to.
    public var egressRedirects: [Int32]

    init?(_ reply: NetlinkReply) {
        guard let header = TrafficControlHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: TrafficControlHeader.size)
        index = header.index
        parent = header.parent
        priority = UInt16(truncatingIfNeeded: header.info >> 16)
        kind = a.string(UInt16(nl: TCA_KIND)) ?? ""
        // Option numbers are per classifier (TCA_U32_ACT is TCA_BPF_NAME in a bpf filter).
        let options = kind == "u32" ? a.nested(UInt16(nl: TCA_OPTIONS)) : nil
        let actions = options?.nested(UInt16(nl: TCA_U32_ACT)) ?? NetlinkAttributes()
        egressRedirects = actions.all.compactMap { action in
            let fields = NetlinkAttributes(decoding: action.payload)
            guard fields.string(UInt16(nl: TCA_ACT_KIND)) == "mirred",
                let parms = fields.nested(UInt16(nl: TCA_ACT_OPTIONS))?.payload(UInt16(nl: TCA_MIRRED_PARMS)),
                let mirred = MirredAction(decoding: parms), mirred.egressRedirect
            else { return nil }
            return mirred.target
        }
    }
}

/// `struct tc_mirred` (<linux/tc_act/tc_mirred.h>).
struct MirredAction {
    var target: Int32
    var egressRedirect: Bool

    init(redirectingTo target: Int32) {
        self.target = target
        egressRedirect = true
    }

    init?(decoding bytes: [UInt8]) {
        let s = StructBytes(bytes)
        guard let action = s.i32(at: offset(\tc_mirred.eaction)), let target = s.u32(at: offset(\tc_mirred.ifindex)) else {
            return nil
        }
        self.target = Int32(bitPattern: target)
        egressRedirect = action == TCA_EGRESS_REDIR
    }

    /// Redirect to the target's egress, then stop processing the packet here (`TC_ACT_STOLEN`).
    var bytes: [UInt8] {
        var s = StructBytes(zeroed: tc_mirred.self)
        s.set(Int32(TC_ACT_STOLEN), at: offset(\tc_mirred.action))
        s.set(Int32(TCA_EGRESS_REDIR), at: offset(\tc_mirred.eaction))
        s.set(UInt32(bitPattern: target), at: offset(\tc_mirred.ifindex))
        return s.bytes
    }
}

extension NetlinkSocket {
    /// The priority of the redirect filter (`prio 1`), ahead of any other ingress filter.
    public static let redirectPriority: UInt16 = 1
    /// Priority and protocol (all, network order) of the redirect filter.
    static let redirectInfo = TrafficControlHandle.make(redirectPriority, 0) | UInt32(UInt16(ETH_P_ALL).bigEndian)

    /// Sends every packet arriving on link `index` out of link `target` (`tc filter add dev X
    /// ingress protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev T`);
    /// the link needs an ingress or clsact qdisc first.
    public func addIngressRedirect(index: Int32, to target: Int32) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWTFILTER), flags: NLM_F_CREATE | NLM_F_EXCL)
        message.append(raw: TrafficControlHeader(index: index, parent: TrafficControlHandle.ingressFilters, info: Self.redirectInfo).bytes)
        message.put(UInt16(nl: TCA_KIND), string: "u32")
        // One all-zero key (mask 0 matches everything), terminal: the u32 "match all".
        var selector = StructBytes(zeroed: tc_u32_sel.self)
        selector.set(UInt8(TC_U32_TERMINAL), at: offset(\tc_u32_sel.flags))
        selector.set(UInt8(1), at: offset(\tc_u32_sel.nkeys))
        let key = StructBytes(zeroed: tc_u32_key.self)
        message.nest(UInt16(nl: TCA_OPTIONS)) { options in
            options.put(UInt16(nl: TCA_U32_SEL), selector.bytes + key.bytes)
            options.nest(UInt16(nl: TCA_U32_ACT)) { actions in
                actions.nest(1) { action in
                    action.put(UInt16(nl: TCA_ACT_KIND), string: "mirred")
                    action.nest(UInt16(nl: TCA_ACT_OPTIONS)) { mirred in
                        mirred.put(UInt16(nl: TCA_MIRRED_PARMS), MirredAction(redirectingTo: target).bytes)
                    }
                }
            }
        }
        try request(message, "add ingress redirect filter from ifindex \(index) to ifindex \(target)")
    }

    /// Deletes the filters at the redirect's priority (`prio 1 protocol all`) from the ingress
    /// hook of link `index`.
    public func deleteIngressRedirect(index: Int32) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELTFILTER), flags: 0)
        message.append(raw: TrafficControlHeader(index: index, parent: TrafficControlHandle.ingressFilters, info: Self.redirectInfo).bytes)
        try request(message, "delete the ingress redirect filter of ifindex \(index)")
    }

    /// The filters on the ingress hook (ingress qdisc or clsact) of link `index`.
    public func ingressFilters(index: Int32) throws -> [TrafficFilter] {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETTFILTER), flags: 0)
        message.append(raw: TrafficControlHeader(index: index, parent: TrafficControlHandle.ingressFilters).bytes)
        return try dump(message, "dump ingress filters of ifindex \(index)", keeping: UInt16(nl: RTM_NEWTFILTER), TrafficFilter.init)
    }
}
