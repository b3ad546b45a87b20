import Foundation
import Testing

/// CHECK passes on an untouched attachment and fails, naming what drifted, after tampering.
@Suite("bridge CHECK", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeCheckTests {
    enum Tamper: String, CaseIterable, Sendable {
        case none, addressRemoved, containerLinkDown, hostVethDown, portMovedOffTheBridge, routeRemoved, containerVethDeleted
    }

    static let expectedMessage: [Tamper: String] = [
        .addressRemoved: "address 10.88.0.2/24 from prevResult is missing on eth0",
        .containerLinkDown: "container interface eth0 is down",
        .portMovedOffTheBridge: "is no longer a port of bridge",
        .routeRemoved: "route 0.0.0.0/0 via 10.88.0.1 from prevResult is missing in the container",
        .containerVethDeleted: "CNI created interface in container eth0 not found",
    ]

    @Test(arguments: Tamper.allCases)
    func checkDetectsTampering(_ tamper: Tamper) throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            let add = try h.add(h.config(#""isDefaultGateway":true"#, ipam: h.ipam()), container: c)
            let prev = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let checkConfig = h.config(#""isDefaultGateway":true"#, ipam: h.ipam(), prevResult: prev)
            let hostVeth = try #require(add.hostVeth)
            switch tamper {
            case .none: break
            case .addressRemoved: try c.run(["ip", "addr", "del", "10.88.0.2/24", "dev", "eth0"])
            case .containerLinkDown: try c.run(["ip", "link", "set", "eth0", "down"])
            case .hostVethDown: try h.host.run(["ip", "link", "set", hostVeth, "down"])
            case .portMovedOffTheBridge: try h.host.run(["ip", "link", "set", hostVeth, "nomaster"])
            case .routeRemoved: try c.run(["ip", "route", "del", "default"])
            case .containerVethDeleted: try c.run(["ip", "link", "del", "eth0"])
            }
            let check = try h.exec("CHECK", config: checkConfig, container: c)
            if tamper == .none {
                #expect(check.status == 0 && check.stdout.isEmpty, "CHECK of an untouched attachment: \(check.summary)")
            } else {
                #expect(check.status != 0, "CHECK after \(tamper): \(check.summary)")
                if let message = Self.expectedMessage[tamper] {
                    #expect((check.json?["msg"] as? String ?? "").contains(message), "\(check.summary)")
                }
                if tamper == .hostVethDown {
                    #expect((check.json?["msg"] as? String ?? "").contains("\(hostVeth) is down"), "\(check.summary)")
                }
            }
        }
    }

    @Test func checkWithoutPrevResultIsInvalidConfig() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try h.add(h.config(ipam: h.ipam()), container: c)
            let check = try h.exec("CHECK", config: h.config(ipam: h.ipam()), container: c)
            #expect(check.code == 7, "\(check.summary)")
        }
    }
}
