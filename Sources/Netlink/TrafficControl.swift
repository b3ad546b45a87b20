import CMnl

/// `struct tcmsg` (<linux/rtnetlink.h>): the header of qdisc, class and filter messages.
struct TrafficControlHeader: Equatable {
    static let size = MemoryLayout<tcmsg>.size
    var family: UInt8 = 0
    var index: Int32 = 0
    var handle: UInt32 = 0
    var parent: UInt32 = 0
    /// Filters: priority in the upper 16 bits, protocol (network order) in the lower.
    var info: UInt32 = 0

    var bytes: [UInt8] {
        [family, 0, 0, 0] + ByteCoding.bytes(index) + ByteCoding.bytes(handle) + ByteCoding.bytes(parent)
            + ByteCoding.bytes(info)
    }

    init(index: Int32, handle: UInt32 = 0, parent: UInt32 = 0, info: UInt32 = 0) {
        self.index = index
        self.handle = handle
        self.parent = parent
        self.info = info
    }

    init?(decoding payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let family = r.u8(at: 0), let index = r.i32(at: 4), let handle = r.u32(at: 8), let parent = r.u32(at: 12),
            let info = r.u32(at: 16)
        else { return nil }
        self.init(index: index, handle: handle, parent: parent, info: info)
        self.family = family
    }
}

/// Traffic-control handles (`major:minor`) and the well-known parents.
public enum TrafficControlHandle {
    /// `TC_H_MAKE(major << 16, minor)`.
    public static func make(_ major: UInt16, _ minor: UInt16) -> UInt32 {
        (UInt32(major) << 16) & UInt32(TC_H_MAJ_MASK) | UInt32(minor) & UInt32(TC_H_MIN_MASK)
    }
    /// `TC_H_ROOT`: the device's egress root.
    public static let root = UInt32(TC_H_ROOT)
    /// `TC_H_INGRESS`: the parent of the ingress qdisc.
    public static let ingressParent = UInt32(TC_H_INGRESS)
    /// `ffff:`, the handle of the ingress qdisc (and of clsact).
    public static let ingress = UInt32(TC_H_INGRESS) & UInt32(TC_H_MAJ_MASK)
    /// `ffff:fff2` (`TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)`), the parent of ingress filters
    /// under either an ingress qdisc or a clsact (which refuses `ffff:`), as `tc filter ...
    /// ingress` names it.
    public static let ingressFilters = ingress | UInt32(TC_H_MIN_INGRESS)
}

/// A queueing discipline as `RTM_NEWQDISC` reports it.
public struct QueueDiscipline: Sendable, Equatable {
    public var index: Int32
    public var handle: UInt32
    public var parent: UInt32
    /// `TCA_KIND`: `tbf`, `ingress`, `noqueue`, `pfifo_fast`, ...
    public var kind: String
    /// The token bucket's parameters when `kind == "tbf"`.
    public var tokenBucket: TokenBucket?

    init?(_ reply: NetlinkReply) {
        guard let header = TrafficControlHeader(decoding: reply.payload) else { return nil }
        let a = reply.attributes(afterFamilyHeader: TrafficControlHeader.size)
        index = header.index
        handle = header.handle
        parent = header.parent
        kind = a.string(UInt16(nl: TCA_KIND)) ?? ""
        tokenBucket = kind == "tbf" ? a.nested(UInt16(nl: TCA_OPTIONS)).flatMap(TokenBucket.init(decoding:)) : nil
    }
}

extension NetlinkSocket {
    /// The qdiscs attached to link `index` (the kernel filters the dump by ifindex).
    public func queueDisciplines(index: Int32) throws -> [QueueDiscipline] {
        let message = NetlinkMessage(type: UInt16(nl: RTM_GETQDISC), flags: 0)
        message.append(raw: TrafficControlHeader(index: index).bytes)
        return try dump(message, "dump qdiscs of ifindex \(index)", keeping: UInt16(nl: RTM_NEWQDISC), QueueDiscipline.init)
            .filter { $0.index == index }
    }

    /// Deletes the qdisc `handle` under `parent` on link `index`.
    public func deleteQueueDiscipline(index: Int32, parent: UInt32, handle: UInt32) throws {
        let message = NetlinkMessage(type: UInt16(nl: RTM_DELQDISC), flags: 0)
        message.append(raw: TrafficControlHeader(index: index, handle: handle, parent: parent).bytes)
        try request(message, "delete qdisc \(Self.handleText(handle)) of ifindex \(index)")
    }

    /// Adds an ingress qdisc (`tc qdisc add dev X ingress`), the hook for ingress filters.
    public func addIngressQueueDiscipline(index: Int32) throws {
        let message = Self.newQueueDiscipline(
            index: index, handle: TrafficControlHandle.ingress, parent: TrafficControlHandle.ingressParent, kind: "ingress")
        try request(message, "add ingress qdisc to ifindex \(index)")
    }

    /// `RTM_NEWQDISC` creating (`NLM_F_EXCL`) a qdisc of `kind`; options follow.
    static func newQueueDiscipline(index: Int32, handle: UInt32, parent: UInt32, kind: String) -> NetlinkMessage {
        let message = NetlinkMessage(type: UInt16(nl: RTM_NEWQDISC), flags: NLM_F_CREATE | NLM_F_EXCL)
        message.append(raw: TrafficControlHeader(index: index, handle: handle, parent: parent).bytes)
        message.put(UInt16(nl: TCA_KIND), string: kind)
        return message
    }

    static func handleText(_ handle: UInt32) -> String {
        String(handle >> 16, radix: 16) + ":" + (handle & 0xffff == 0 ? "" : String(handle & 0xffff, radix: 16))
    }
}
