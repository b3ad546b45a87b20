import CMnl
#if canImport(Glibc)
import Glibc
#endif

extension NetlinkSocket {
    /// One `RTM_SETLINK` that sets the alias, enslaves link `index` to `master` and, with
    /// `up`, sets `IFF_UP` (the kernel applies the flags, then the master): what `setAlias`,
    /// `setMaster` and `setUp` do in three requests.
    public func attach(index: Int32, alias: String, master: Int32, up: Bool) throws {
        let flag = UInt32(IFF_UP.rawValue)
        let message = LinkMessage.set(index: index, flags: up ? flag : 0, change: up ? flag : 0)
        message.put(UInt16(nl: IFLA_IFALIAS), string: alias)
        message.put(UInt16(nl: IFLA_MASTER), u32: UInt32(bitPattern: master))
        try request(message, "attach ifindex \(index) to master ifindex \(master)\(up ? " and set it up" : "")")
    }
}
