import Foundation
import NetNS
import Netlink
import Testing

/// Neighbour entries and FDB entries through the Netlink library, read back with our dumps,
/// `ip -j neigh` and `bridge -j fdb`.
@Suite("netlink neighbours and FDB", .enabled(if: TestEnvironment.canRunNetNSTests))
struct NetlinkNeighbourTests {
    @Test func permanentNeighbours() throws {
        try TestNamespace.with { ns in
            let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
            try nl.createVethPair(VethPair(name: "n0", peerName: "n1"))
            let link = try #require(try nl.link(named: "n0"))
            try nl.setUp(index: link.index)
            let mac = MACAddress("02:00:00:00:30:01")!
            let newMAC = MACAddress("02:00:00:00:30:02")!
            for ip in [InetAddress("10.50.0.9")!, InetAddress("fd50::9")!] {
                try nl.replaceNeighbour(index: link.index, ip: ip, mac: mac)
                try nl.replaceNeighbour(index: link.index, ip: ip, mac: newMAC)  // replace is idempotent
                let family = ip.isIPv4 ? AF_INET : AF_INET6
                let entries = try nl.neighbours(family: family, index: link.index).filter { $0.destination == ip }
                #expect(entries.count == 1)
                #expect(entries.first?.mac == newMAC && entries.first?.isPermanent == true)

                let observed = try NetlinkObservation.ip(ns.name, ["neigh", "show", "dev", "n0", "to", ip.description])
                #expect(observed.first?["lladdr"] as? String == newMAC.description)
                #expect((observed.first?["state"] as? [String]) == ["PERMANENT"])

                try nl.deleteNeighbour(index: link.index, ip: ip)
                #expect(try nl.neighbours(family: family, index: link.index).allSatisfy { $0.destination != ip })
                #expect(try NetlinkObservation.ip(ns.name, ["neigh", "show", "dev", "n0", "to", ip.description]).isEmpty)
            }
        }
    }

    @Test func vxlanFDBEntriesWithRemoteDestinations() throws {
        try TestNamespace.with { ns in
            let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
            try nl.createVethPair(VethPair(name: "u0", peerName: "u1"))
            let underlay = try #require(try nl.link(named: "u0"))
            try nl.createVxlan(name: "vx1", VxlanSettings(vni: 1, port: 8472, local: InetAddress("192.0.2.1"), underlayIndex: underlay.index))
            let vx = try #require(try nl.link(named: "vx1"))
            let peerVTEP = MACAddress("02:00:00:00:40:02")!
            let flood = MACAddress("00:00:00:00:00:00")!
            let first = InetAddress("192.0.2.2")!
            let second = InetAddress("192.0.2.3")!

            // A unicast VTEP MAC maps to one remote: replacing moves it.
            try nl.addFDBEntry(index: vx.index, mac: peerVTEP, destination: first)
            try nl.addFDBEntry(index: vx.index, mac: peerVTEP, destination: second)
            let unicast = try nl.fdbEntries(index: vx.index).filter { $0.mac == peerVTEP }
            #expect(unicast.compactMap(\.destination) == [second])
            #expect(unicast.allSatisfy { $0.isPermanent && $0.family == UInt8(AF_BRIDGE) })

            // The all-zero MAC (flooding) takes several remotes with append, as `bridge fdb append`.
            try nl.addFDBEntry(index: vx.index, mac: flood, destination: first, append: true)
            try nl.addFDBEntry(index: vx.index, mac: flood, destination: second, append: true)
            #expect(Set(try nl.fdbEntries(index: vx.index).filter { $0.mac == flood }.compactMap(\.destination)) == [first, second])

            let observed = try NetlinkObservation.bridge(ns.name, ["fdb", "show", "dev", "vx1"])
            func dsts(_ mac: MACAddress) -> Set<String> {
                Set(observed.filter { $0["mac"] as? String == mac.description }.compactMap { $0["dst"] as? String })
            }
            #expect(dsts(peerVTEP) == ["192.0.2.3"])
            #expect(dsts(flood) == ["192.0.2.2", "192.0.2.3"])
            #expect(observed.allSatisfy { ($0["flags"] as? [String])?.contains("self") == true && $0["state"] as? String == "permanent" })

            try nl.deleteFDBEntry(index: vx.index, mac: flood, destination: first)
            #expect(Set(try nl.fdbEntries(index: vx.index).filter { $0.mac == flood }.compactMap(\.destination)) == [second])
            try nl.deleteFDBEntry(index: vx.index, mac: peerVTEP)
            try nl.deleteFDBEntry(index: vx.index, mac: flood, destination: second)
            let left = try NetlinkObservation.bridge(ns.name, ["fdb", "show", "dev", "vx1"])
            #expect(left.allSatisfy { $0["mac"] as? String != peerVTEP.description && $0["mac"] as? String != flood.description })
            #expect(try nl.fdbEntries(index: vx.index).allSatisfy { $0.mac != peerVTEP && $0.mac != flood })
        }
    }

    @Test func bridgePortFDBEntry() throws {
        try TestNamespace.with { ns in
            let nl = try NetlinkSocket.open(in: NetworkNamespace(path: ns.path))
            try nl.createBridge(name: "br0")
            try nl.createVethPair(VethPair(name: "p0", peerName: "p1"))
            let bridge = try #require(try nl.link(named: "br0"))
            let port = try #require(try nl.link(named: "p0"))
            try nl.setMaster(index: port.index, bridge.index)
            let mac = MACAddress("02:00:00:00:50:01")!
            try nl.addFDBEntry(index: port.index, mac: mac, owner: .bridge)
            let ours = try nl.fdbEntries(index: port.index).first { $0.mac == mac }
            #expect(ours?.isPermanent == true && ours?.masterIndex == bridge.index)
            let observed = try NetlinkObservation.bridge(ns.name, ["fdb", "show", "dev", "p0"]).first { $0["mac"] as? String == mac.description }
            #expect(observed?["master"] as? String == "br0")
            try nl.deleteFDBEntry(index: port.index, mac: mac, owner: .bridge)
            #expect(try nl.fdbEntries(index: port.index).allSatisfy { $0.mac != mac })
        }
    }
}
