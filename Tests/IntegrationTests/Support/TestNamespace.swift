import Foundation

/// A network namespace created for one test (`ip netns add`), deleted by `remove()`.
///
/// Use `TestNamespace.with { ns in ... }` so the namespace is deleted even when the test
/// fails or throws.
final class TestNamespace: @unchecked Sendable {
    let name: String
    var path: String { "/run/netns/\(name)" }
    private(set) var removed = false

    init(prefix: String = "swcni") throws {
        name = TestEnvironment.uniqueName(prefix)
        try Shell.must(["ip", "netns", "add", name])
        // A new namespace inherits IPv4 settings from the node's (devconf_inherit_init_net=0
        // means inherit for IPv4): start every test namespace from the kernel default, so a
        // node with forwarding on does not change what the tests see.
        try Shell.must(["ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.ip_forward=0"])
    }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? Shell.run(["ip", "netns", "del", name])
    }

    deinit { remove() }

    static func with<T>(_ count: Int = 1, _ body: ([TestNamespace]) throws -> T) throws -> T {
        var namespaces: [TestNamespace] = []
        defer { namespaces.forEach { $0.remove() } }
        for _ in 0..<count { namespaces.append(try TestNamespace()) }
        return try body(namespaces)
    }

    static func with<T>(_ body: (TestNamespace) throws -> T) throws -> T {
        try with(1) { try body($0[0]) }
    }

    /// Runs a command inside this namespace.
    @discardableResult
    func run(_ arguments: [String]) throws -> String { try Shell.inNS(name, arguments) }

    /// `ip -j link show dev <name>` inside the namespace.
    func link(_ ifname: String) throws -> [String: Any]? {
        let out = try Shell.run(["ip", "-n", name, "-j", "link", "show", "dev", ifname])
        guard out.status == 0 else { return nil }
        let parsed = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]]
        return parsed?.first
    }

    /// Addresses (`local/prefixlen`) of an interface inside the namespace.
    func addresses(_ ifname: String) throws -> [String] {
        let out = try Shell.must(["ip", "-n", name, "-j", "addr", "show", "dev", ifname])
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
        return parsed.flatMap { entry in
            (entry["addr_info"] as? [[String: Any]] ?? []).compactMap { info in
                guard let local = info["local"] as? String, let len = info["prefixlen"] as? Int else { return nil }
                return "\(local)/\(len)"
            }
        }
    }
}
