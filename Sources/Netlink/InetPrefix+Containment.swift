extension InetPrefix {
    /// True when `address` lies inside this prefix (same family).
    public func contains(_ address: InetAddress) -> Bool {
        guard address.isIPv4 == self.address.isIPv4 else { return false }
        return InetPrefix(address, length: length).network == network
    }

    /// True when `other` lies entirely inside this prefix.
    public func contains(_ other: InetPrefix) -> Bool {
        other.length >= length && contains(other.address)
    }

    /// True when the two prefixes share at least one address.
    public func overlaps(_ other: InetPrefix) -> Bool {
        contains(other) || other.contains(self)
    }

    /// The prefix with host bits cleared.
    public var canonical: InetPrefix { InetPrefix(network, length: length) }
}
