import Netlink
import NodeDoctor
import Testing

@Suite("doctor: addressing checks")
struct AddressingCheckTests {
    @Test func podAddressNotReserved() {
        var s = Fixture.healthy
        s.reservations?.entries.removeAll { $0.address == ip("10.244.1.3") }
        let found = AddressingCheck.findings(s)
        #expect(found.map(\.check) == ["address-not-reserved"])
        #expect(found.first?.object == "/var/lib/cni/networks/net/10.244.1.3")
    }

    @Test func addressReservedForSomeoneElseAndTheLeak() {
        var s = Fixture.healthy
        s.reservations?.entries[1] = Reservation(address: ip("10.244.1.3"), containerID: "ctr-gone", ifName: "eth0")
        #expect(AddressingCheck.findings(s).map(\.check) == ["address-reserved-by-other", "reservation-leaked"])
    }

    @Test func legacyRecordsMatchByContainerID() {
        var s = Fixture.healthy
        s.reservations?.entries[0].ifName = nil
        #expect(AddressingCheck.findings(s).isEmpty)
    }

    @Test func leakedReservation() {
        var s = Fixture.healthy
        s.reservations?.entries.append(Reservation(address: ip("10.244.1.9"), containerID: "ctr-x", ifName: "net1"))
        let found = AddressingCheck.findings(s)
        #expect(found.map(\.check) == ["reservation-leaked"])
        #expect(found.first?.problem.contains("ctr-x/net1") == true)
        #expect(found.first?.fix.contains("cnictl gc net") == true)
    }

    @Test func addressUsedTwice() {
        var s = Fixture.healthy
        s.pods[1].addresses = [ip("10.244.1.2")]
        s.reservations?.entries.removeLast()
        let found = AddressingCheck.findings(s).filter { $0.check == "address-used-twice" }
        #expect(found.map(\.object) == ["10.244.1.2"])
    }

    @Test func cacheEntryWhoseNamespaceIsGone() {
        var s = Fixture.healthy
        s.pods[1].netnsExists = false
        let found = AddressingCheck.findings(s)
        #expect(found.map(\.check) == ["cache-netns-gone"])
        #expect(found.first?.object == "/run/netns/b")
    }

    @Test func staleVethsByAliasAndTombstone() {
        var s = Fixture.healthy
        s.links.append(LinkState(index: 20, name: "veth00000020", kind: "veth", alias: "swcni:net/ctr-old/eth0"))
        s.links.append(LinkState(index: 21, name: "veth00000021", kind: "veth", alias: "swcni-tomb:net"))
        s.links.append(LinkState(index: 22, name: "veth00000022", kind: "veth", alias: "swcni:other/ctr-old/eth0"))
        let found = AddressingCheck.findings(s)
        #expect(found.map(\.object) == ["veth00000020", "veth00000021"], "another network's veth is not ours to judge")
        #expect(Set(found.map(\.check)) == ["veth-stale"])
    }
}
