/// One address handed to an attachment, with what a result needs to describe it.
public struct Allocation: Sendable, Equatable {
    public let setIndex: Int
    public let ip: IPAddress
    public let range: AddressRange

    public init(setIndex: Int, ip: IPAddress, range: AddressRange) {
        self.setIndex = setIndex
        self.ip = ip
        self.range = range
    }

    /// `address/prefix` of the range's subnet, e.g. `10.1.0.5/16`.
    public var cidr: String { "\(ip)/\(range.subnet.prefixLength)" }
    public var gateway: IPAddress { range.gateway }
}
