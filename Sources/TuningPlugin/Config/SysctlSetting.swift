import CNISpec

/// One `sysctl` entry: the key as configured (`net.ipv4.conf.IFNAME.arp_notify`) and its value.
public struct SysctlSetting: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// The path below `/proc/sys` that `key` names for interface `ifName`: dots become `/`,
    /// then the first `IFNAME` becomes `ifName` (after the dots, so names such as `eth0.100`
    /// survive). Only paths inside `net/` are accepted, and no component may be empty, `.`
    /// or `..`: a key cannot climb out of the namespace's network tree.
    public static func path(of key: String, ifName: String) throws(CNIError) -> String {
        var path = key.replacingDots()
        if let range = path.firstRange(of: "IFNAME") { path.replaceSubrange(range, with: ifName) }
        guard isNetPath(path) else {
            throw CNIError(
                .invalidNetworkConfig, "invalid net sysctl key: \"\(key)\"",
                details: "a sysctl key must name a file under /proc/sys/net/ (resolved to \"\(path)\")")
        }
        return path
    }

    /// A relative path inside `net/` that cannot leave it.
    public static func isNetPath(_ path: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let escapes = components.contains { $0.isEmpty || $0 == "." || $0 == ".." }
        return components.count >= 2 && components[0] == "net" && !escapes && !path.utf8.contains(0)
    }
}

extension String {
    fileprivate func replacingDots() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
    }
}
