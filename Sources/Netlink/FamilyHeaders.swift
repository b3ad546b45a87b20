/// The fixed headers that follow `nlmsghdr` in rtnetlink messages, encoded field by field
/// in host order (layouts from <linux/rtnetlink.h>, <linux/if_addr.h>, <linux/neighbour.h>).

/// `struct ifinfomsg` (16 bytes): links.
struct InterfaceInfoHeader: Equatable {
    static let size = 16
    var family: UInt8 = 0
    var type: UInt16 = 0
    var index: Int32 = 0
    var flags: UInt32 = 0
    var change: UInt32 = 0

    var bytes: [UInt8] {
        [family, 0] + ByteCoding.bytes(type) + ByteCoding.bytes(index) + ByteCoding.bytes(flags) + ByteCoding.bytes(change)
    }

    init(family: UInt8 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        self.family = family
        self.index = index
        self.flags = flags
        self.change = change
    }

    init?(decoding payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let family = r.u8(at: 0), let type = r.u16(at: 2), let index = r.i32(at: 4),
            let flags = r.u32(at: 8), let change = r.u32(at: 12)
        else { return nil }
        self.init(family: family, index: index, flags: flags, change: change)
        self.type = type
    }
}

/// `struct ifaddrmsg` (8 bytes): addresses.
struct AddressHeader: Equatable {
    static let size = 8
    var family: UInt8
    var prefixLength: UInt8
    var flags: UInt8
    var scope: UInt8
    var index: UInt32

    var bytes: [UInt8] { [family, prefixLength, flags, scope] + ByteCoding.bytes(index) }

    init(family: UInt8, prefixLength: UInt8 = 0, flags: UInt8 = 0, scope: UInt8 = 0, index: UInt32 = 0) {
        self.family = family
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.index = index
    }

    init?(decoding payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let family = r.u8(at: 0), let length = r.u8(at: 1), let flags = r.u8(at: 2),
            let scope = r.u8(at: 3), let index = r.u32(at: 4)
        else { return nil }
        self.init(family: family, prefixLength: length, flags: flags, scope: scope, index: index)
    }
}

/// `struct rtmsg` (12 bytes): routes.
struct RouteHeader: Equatable {
    static let size = 12
    var family: UInt8
    var destinationLength: UInt8 = 0
    var sourceLength: UInt8 = 0
    var tos: UInt8 = 0
    var table: UInt8 = 0
    var protocolID: UInt8 = 0
    var scope: UInt8 = 0
    var type: UInt8 = 0
    var flags: UInt32 = 0

    var bytes: [UInt8] {
        [family, destinationLength, sourceLength, tos, table, protocolID, scope, type] + ByteCoding.bytes(flags)
    }

    init(family: UInt8) { self.family = family }

    init?(decoding payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let fields = r.slice(0, 8), let flags = r.u32(at: 8) else { return nil }
        family = fields[0]
        destinationLength = fields[1]
        sourceLength = fields[2]
        tos = fields[3]
        table = fields[4]
        protocolID = fields[5]
        scope = fields[6]
        type = fields[7]
        self.flags = flags
    }
}

/// `struct ndmsg` (12 bytes): neighbours and FDB entries.
struct NeighbourHeader: Equatable {
    static let size = 12
    var family: UInt8
    var index: Int32 = 0
    var state: UInt16 = 0
    var flags: UInt8 = 0
    var type: UInt8 = 0

    var bytes: [UInt8] { [family, 0, 0, 0] + ByteCoding.bytes(index) + ByteCoding.bytes(state) + [flags, type] }

    init(family: UInt8, index: Int32 = 0, state: UInt16 = 0, flags: UInt8 = 0) {
        self.family = family
        self.index = index
        self.state = state
        self.flags = flags
    }

    init?(decoding payload: [UInt8]) {
        let r = ByteReader(payload)
        guard let family = r.u8(at: 0), let index = r.i32(at: 4), let state = r.u16(at: 8),
            let flags = r.u8(at: 10), let type = r.u8(at: 11)
        else { return nil }
        self.init(family: family, index: index, state: state, flags: flags)
        self.type = type
    }
}
