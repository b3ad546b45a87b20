/// The reference's round-robin order over a range set: start after the last address handed
/// out (when it is still in the set), else at the first range's start; walk each range
/// from rangeStart to rangeEnd, move on to the next range (wrapping), skip gateways, and
/// stop when the starting address comes round again.
public struct RangeIterator: IteratorProtocol, Sendable {
    let set: RangeSet
    var rangeIndex = 0
    var current: IPAddress?
    var startIP: IPAddress?

    public init(set: RangeSet, lastReserved: IPAddress?) {
        self.set = set
        if let last = lastReserved, let index = set.ranges.firstIndex(where: { $0.contains(last) }) {
            rangeIndex = index
            current = last
        }
    }

    /// The next candidate and the range it belongs to; nil when the set is exhausted.
    public mutating func next() -> (ip: IPAddress, range: AddressRange)? {
        while true {
            var range = set.ranges[rangeIndex]
            guard let cur = current else {
                current = range.rangeStart
                startIP = range.rangeStart
                if set.isGateway(range.rangeStart) { continue }
                return (range.rangeStart, range)
            }
            var candidate: IPAddress
            if cur == range.rangeEnd {
                rangeIndex = (rangeIndex + 1) % set.ranges.count
                range = set.ranges[rangeIndex]
                candidate = range.rangeStart
            } else {
                candidate = cur.next
            }
            current = candidate
            if let startIP {
                if candidate == startIP { return nil }
            } else {
                startIP = candidate
            }
            if set.isGateway(candidate) { continue }
            return (candidate, range)
        }
    }
}
