import Foundation
import Testing

/// Bad bridge options exec'd as a runtime would: the exact error code, an error object on
/// stdout, and nothing left behind in the host or the container.
@Suite("bridge bad input", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BridgeBadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var options: String
        var code: Int
        var cniArgs: String? = nil
        var withIPAM = true
        var testDescription: String { options.isEmpty ? "CNI_ARGS \(cniArgs ?? "")" : options }
    }

    static let cases: [Case] = [
        Case(options: #""vlan":5000"#, code: 7),
        Case(options: #""vlan":-3"#, code: 7),
        Case(options: #""vlanTrunk":[{"minID":10,"maxID":5}]"#, code: 7),
        Case(options: #""vlanTrunk":[{"id":0}]"#, code: 7),
        Case(options: #""vlan":3,"vlanTrunk":[{"id":4}]"#, code: 7),
        Case(options: #""hairpinMode":true,"promiscMode":true"#, code: 7),
        Case(options: #""ipMasq":true,"ipMasqBackend":"iptables""#, code: 2),
        Case(options: #""ipMasqBackend":"ebpf""#, code: 7),
        Case(options: #""disableContainerInterface":true"#, code: 7),
        Case(options: #""mtu":20"#, code: 7),
        Case(options: #""mtu":"1500""#, code: 6),
        Case(options: #""isGateway":1"#, code: 6),
        Case(options: #""bridge":"a-very-long-bridge-name""#, code: 7),
        Case(options: #""runtimeConfig":{"mac":"01:02:03:04:05:06"}"#, code: 7),
        Case(options: #""args":{"cni":{"mac":"not-a-mac"}}"#, code: 7),
        Case(options: "", code: 4, cniArgs: "IgnoreUnknown=1;MAC=zz:zz:zz:zz:zz:zz"),
        Case(options: "", code: 4, cniArgs: "MAC"),
    ]

    @Test(arguments: cases)
    func badInputIsRefusedWithItsCodeAndLeavesNothing(_ c: Case) throws {
        try BridgeTestHost.with { h in
            let ns = try h.newContainer()
            let before = try h.snapshot()
            let out = try h.exec("ADD", config: h.config(c.options, ipam: c.withIPAM ? h.ipam() : nil), container: ns, args: c.cniArgs)
            #expect(out.status != 0)
            #expect(out.code == c.code, "\(out.summary)")
            let message = out.json?["msg"] as? String ?? ""
            #expect(message.count > 0, "the error says what is wrong")
            #expect(try h.snapshot() == before, "nothing created in the host")
            #expect(try ns.link("eth0") == nil, "nothing created in the container")
        }
    }

    /// A configuration broken after ADD must not block DEL (chains abort on a failed DEL).
    @Test func delSucceedsWithOptionsThatNoLongerValidate() throws {
        try BridgeTestHost.with { h in
            let c = try h.newContainer()
            try h.add(h.config(#""isGateway":true,"ipMasq":true"#, ipam: h.ipam(v6: nil)), container: c)
            let broken = h.config(#""isGateway":true,"ipMasq":true,"vlan":9999,"ipMasqBackend":"iptables""#, ipam: h.ipam(v6: nil))
            let del = try h.exec("DEL", config: broken, container: c)
            #expect(del.status == 0, "\(del.summary)")
            #expect(try h.reservations().isEmpty && h.hostVeths().isEmpty)
            try h.expectOnlyNetworkForwardAccepts()
        }
    }

    /// A CNI_NETNS that does not exist is an unknown container (3), as for loopback; a path
    /// that exists but is no network namespace is code 4 (HostileInputTests).
    @Test func aMissingNamespaceIsCode3AndReservesNothing() throws {
        try BridgeTestHost.with { h in
            let out = try h.exec("ADD", config: h.config(ipam: h.ipam()), container: nil, netns: "/run/netns/no-such-namespace")
            #expect(out.code == 3, "\(out.summary)")
            #expect(try h.reservations().isEmpty && h.hostVeths().isEmpty)
        }
    }

    @Test func anIPAMPluginThatCannotBeFoundRollsBackTheVeth() throws {
        try BridgeTestHost.with { h in
            let ns = try h.newContainer()
            let out = try h.exec("ADD", config: h.config(ipam: #"{"type":"no-such-ipam"}"#), container: ns)
            #expect(out.code == 7, "\(out.summary)")
            #expect(try h.hostVeths().isEmpty, "the veth created before IPAM was removed")
            #expect(try ns.link("eth0") == nil)
        }
    }
}
