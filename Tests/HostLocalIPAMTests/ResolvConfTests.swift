import CNISpec
import Testing

@testable import HostLocalIPAM

@Suite("resolv.conf parsing")
struct ResolvConfTests {
    @Test func parsesLikeTheReference() {
        let text = """
            # comment
            ; another comment
            nameserver 10.0.0.10
              nameserver   fd00::53
            domain example.com
            domain cluster.local
            search a.example b.example
            search c.example
            options ndots:5 timeout:1
            options attempts:2
            nameserver
            sortlist 10.0.0.0
            """
        let dns = ResolvConf.parse(text)
        #expect(dns.nameservers == ["10.0.0.10", "fd00::53"])
        #expect(dns.domain == "cluster.local", "the last domain wins")
        #expect(dns.search == ["a.example", "b.example", "c.example"])
        #expect(dns.options == ["ndots:5", "timeout:1", "attempts:2"])
    }

    @Test func emptyFileGivesEmptyDNS() {
        #expect(ResolvConf.parse("").isEmpty)
    }

    @Test func missingFileIsIOError() {
        #expect(throws: CNIError.self) { try ResolvConf.load("/nonexistent/resolv.conf") }
        do {
            _ = try ResolvConf.load("/nonexistent/resolv.conf")
        } catch {
            #expect(error.code == .ioFailure)
        }
    }
}
