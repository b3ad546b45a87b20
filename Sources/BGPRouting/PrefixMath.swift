import Netlink

// Internal: the vxlan plugin has public equivalents, and both modules are imported together.
extension InetPrefix {
    func contains(_ address: InetAddress) -> Bool {
        guard address.isIPv4 == self.address.isIPv4 else { return false }
        return InetPrefix(address, length: length).network == network
    }

    func contains(_ other: InetPrefix) -> Bool { other.length >= length && contains(other.address) }

    func overlaps(_ other: InetPrefix) -> Bool { contains(other) || other.contains(self) }
}
