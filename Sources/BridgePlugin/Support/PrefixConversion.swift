import Netlink

extension IPPrefix {
    /// The same address and length as Netlink's type.
    var inetPrefix: InetPrefix { InetPrefix(InetAddress(bytes: bytes)!, length: UInt8(prefixLength)) }
}

extension InetPrefix {
    var ipPrefix: IPPrefix { IPPrefix(bytes: address.bytes, prefixLength: Int(length))! }
}
