import Foundation
import NetNS
import Netlink
import Testing

/// Addresses and routes through the Netlink library, read back with our dumps and `ip -j`.
@Suite("netlink addresses and routes", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkAddressRouteTests {
    /// A namespace with veth pair `d0`/`d1`, `d0` up; returns the socket and `d0`.
    static func setUp(_ ns: TestNamespace) throws -> (NetlinkSocket, Link) {
        let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
        try nl.createVethPair(VethPair(name: "d0", peerName: "d1"))
        let link = try #require(try nl.link(named: "d0"))
        try nl.setUp(index: link.index)
        try nl.setUp(index: try #require(try nl.link(named: "d1")).index)
        return (nl, link)
    }

    @Test func addListAndDeleteAddresses() throws {
        try TestNamespace.with { ns in
            let (nl, link) = try Self.setUp(ns)
            let v4 = InetPrefix("10.10.0.2/24")!
            let v6 = InetPrefix("fd10::2/64")!
            try nl.addAddress(index: link.index, v4)
            try nl.addAddress(index: link.index, v6, noDAD: true)

            // Adding the same address again is EEXIST, reported distinctly.
            for prefix in [v4, v6] {
                do {
                    try nl.addAddress(index: link.index, prefix)
                    Issue.record("expected EEXIST for \(prefix)")
                } catch let error as NetlinkError {
                    #expect(error.alreadyExists, "\(error)")
                    #expect(error.description.contains("add address \(prefix) to ifindex \(link.index)"))
                }
            }

            let v4s = try nl.addresses(index: link.index, family: AF_INET)
            #expect(v4s.map(\.prefix) == [v4])
            #expect(v4s.first?.label == "d0")
            let v6s = try nl.addresses(index: link.index, family: AF_INET6)
            let global = v6s.filter { $0.scope == 0 }
            #expect(global.map(\.prefix) == [v6])
            #expect(global.first?.noDAD == true && global.first?.tentative == false)
            #expect(Set(try nl.addresses(index: link.index).map(\.prefix)).isSuperset(of: [v4, v6]))
            #expect(try nl.addresses().contains { $0.prefix == v4 && $0.index == link.index })

            #expect(Set(try ns.addresses("d0")).isSuperset(of: ["10.10.0.2/24", "fd10::2/64"]))
            let info = try NetlinkObservation.ip(ns.name, ["addr", "show", "dev", "d0"]).first?["addr_info"] as? [[String: Any]] ?? []
            let observedV4 = info.first { $0["local"] as? String == "10.10.0.2" }
            #expect(observedV4?["broadcast"] as? String == "10.10.0.255")
            let observedV6 = info.first { $0["local"] as? String == "fd10::2" }
            #expect(observedV6?["nodad"] as? Bool == true)

            try nl.deleteAddress(index: link.index, v4)
            try nl.deleteAddress(index: link.index, v6)
            #expect(try nl.addresses(index: link.index, family: AF_INET).isEmpty)
            #expect(!(try ns.addresses("d0")).contains("10.10.0.2/24"))
            #expect(!(try ns.addresses("d0")).contains("fd10::2/64"))
            do {
                try nl.deleteAddress(index: link.index, v4)
                Issue.record("expected an error deleting a missing address")
            } catch let error as NetlinkError {
                #expect(error.notFound, "\(error)")
            }
        }
    }

    @Test func routesWithEveryOption() throws {
        try TestNamespace.with { ns in
            let (nl, link) = try Self.setUp(ns)
            try nl.addAddress(index: link.index, InetPrefix("10.20.0.2/24")!)
            try nl.addAddress(index: link.index, InetPrefix("fd20::2/64")!, noDAD: true)

            let v4 = Route(
                destination: InetPrefix("10.99.0.0/16")!, gateway: InetAddress("10.20.0.1"), outputIndex: link.index,
                priority: 50, mtu: 1400, advmss: 1360)
            try nl.addRoute(v4)
            do {
                try nl.addRoute(v4)
                Issue.record("expected EEXIST")
            } catch let error as NetlinkError {
                #expect(error.alreadyExists)
            }
            let ours = try #require(try nl.routes(family: AF_INET).first { $0.destination == InetPrefix("10.99.0.0/16") })
            #expect(ours.gateway == InetAddress("10.20.0.1") && ours.outputIndex == link.index)
            #expect(ours.priority == 50 && ours.mtu == 1400 && ours.advmss == 1360 && ours.scope == 0)
            let observed = try #require(try NetlinkObservation.ip(ns.name, ["route", "show", "10.99.0.0/16"]).first)
            #expect(observed["gateway"] as? String == "10.20.0.1")
            #expect(observed["dev"] as? String == "d0")
            #expect(observed["metric"] as? Int == 50)
            let metrics = observed["metrics"] as? [[String: Any]] ?? []
            #expect(metrics.contains { $0["mtu"] as? Int == 1400 })
            #expect(metrics.contains { $0["advmss"] as? Int == 1360 })

            // Replace changes the gateway in place.
            var replaced = v4
            replaced.gateway = InetAddress("10.20.0.254")
            try nl.replaceRoute(replaced)
            let after = try nl.routes(family: AF_INET).filter { $0.destination == InetPrefix("10.99.0.0/16") }
            #expect(after.map(\.gateway) == [InetAddress("10.20.0.254")])

            // A default route in another table, a link-scoped route, an on-link gateway, IPv6.
            let table: UInt32 = 1234
            try nl.addRoute(Route(destination: InetPrefix("0.0.0.0/0")!, gateway: InetAddress("10.20.0.1"), table: table))
            try nl.addRoute(Route(destination: InetPrefix("10.30.0.0/24")!, outputIndex: link.index))
            try nl.addRoute(Route(destination: InetPrefix("10.40.0.0/24")!, gateway: InetAddress("192.0.2.1"), outputIndex: link.index, onLink: true))
            try nl.addRoute(Route(destination: InetPrefix("fd99::/64")!, gateway: InetAddress("fd20::1"), outputIndex: link.index, priority: 7))

            let inTable = try nl.routes(family: AF_INET, table: table)
            #expect(inTable.count == 1 && inTable.first?.isDefault == true && inTable.first?.gateway == InetAddress("10.20.0.1"))
            let defaultObserved = try NetlinkObservation.ip(ns.name, ["route", "show", "table", "\(table)"])
            #expect(defaultObserved.first?["dst"] as? String == "default")
            let main = try nl.routes(family: AF_INET)
            #expect(main.first { $0.destination == InetPrefix("10.30.0.0/24") }?.scope == 253)
            #expect(main.first { $0.destination == InetPrefix("10.40.0.0/24") }?.onLink == true)
            let onlinkObserved = try NetlinkObservation.ip(ns.name, ["route", "show", "10.40.0.0/24"]).first
            #expect((onlinkObserved?["flags"] as? [String])?.contains("onlink") == true)
            let v6routes = try nl.routes(family: AF_INET6)
            let v6 = try #require(v6routes.first { $0.destination == InetPrefix("fd99::/64") }, "\(v6routes)")
            #expect(v6.gateway == InetAddress("fd20::1"))
            #expect(v6.priority == 7)
            #expect(try NetlinkObservation.ip(ns.name, ["-6", "route", "show", "fd99::/64"]).first?["gateway"] as? String == "fd20::1")

            try nl.deleteRoute(replaced)
            try nl.deleteRoute(Route(destination: InetPrefix("0.0.0.0/0")!, table: table))
            try nl.deleteRoute(Route(destination: InetPrefix("fd99::/64")!))
            #expect(!(try nl.routes(family: AF_INET)).contains { $0.destination == InetPrefix("10.99.0.0/16") })
            #expect(try nl.routes(family: AF_INET, table: table).isEmpty)
            #expect(try NetlinkObservation.ip(ns.name, ["-6", "route", "show", "fd99::/64"]).isEmpty)
            do {
                try nl.deleteRoute(replaced)
                Issue.record("expected an error deleting a missing route")
            } catch let error as NetlinkError {
                #expect(error.errno == ESRCH, "\(error)")
            }
        }
    }
}
