import Foundation

/// `ip` / `bridge` JSON observation of kernel state inside a test namespace, to check what
/// the Netlink library did independently of its own dumps.
enum NetlinkObservation {
    /// `ip -n <ns> -j -d link show dev <name>`; nil when the link does not exist.
    static func link(_ ns: String, _ name: String) throws -> [String: Any]? {
        let out = try Shell.run(["ip", "-n", ns, "-j", "-d", "link", "show", "dev", name])
        guard out.status == 0 else { return nil }
        return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])?.first
    }

    /// `ip -n <ns> -j <arguments>` as an array of objects.
    static func ip(_ ns: String, _ arguments: [String]) throws -> [[String: Any]] {
        try Shell.json(["ip", "-n", ns, "-j"] + arguments) as? [[String: Any]] ?? []
    }

    /// `bridge -n <ns> -j <arguments>` as an array of objects (empty output is an empty array).
    static func bridge(_ ns: String, _ arguments: [String]) throws -> [[String: Any]] {
        let out = try Shell.must(["bridge", "-n", ns, "-j"] + arguments)
        guard !out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
    }
}

extension Dictionary where Key == String, Value == Any {
    subscript(object key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func flags() -> [String] { self["flags"] as? [String] ?? [] }
}
