@testable import BGPRouting
import Testing

@Suite struct BirdReplyTests {
    @Test func repliesSplitAcrossReads() throws {
        var parser = BirdReplyParser()
        #expect(try parser.feed(Array("0001 BIRD 2.0.12 re".utf8)) == nil)
        let hello = try #require(try parser.feed(Array("ady.\n0002-Reading".utf8)))
        #expect(hello.code == 1 && hello.message == "BIRD 2.0.12 ready.")
        let reply = try #require(try parser.feed(Array(" configuration from /x\n0003 Reconfigured\n".utf8)))
        #expect(reply.code == 3 && !reply.isError)
        #expect(reply.lines.map(\.text) == ["Reading configuration from /x", "Reconfigured"])
        #expect(parser.isIdle)
    }

    @Test func continuationLinesKeepTheirCode() throws {
        var parser = BirdReplyParser()
        let reply = try #require(try parser.feed(Array("1007-2 of 2 routes\n 0 of 0 routes\n0014 Total\n".utf8)))
        #expect(reply.lines == [.init(code: 1007, text: "2 of 2 routes"), .init(code: 1007, text: "0 of 0 routes"), .init(code: 14, text: "Total")])
    }

    @Test func errors() throws {
        var parser = BirdReplyParser()
        let reply = try #require(try parser.feed(Array("9001 syntax error, unexpected CF_SYM_UNDEFINED\n".utf8)))
        #expect(reply.isError && reply.code == 9001)
        var other = BirdReplyParser()
        #expect(throws: BirdControlError.self) { _ = try other.feed(Array("hello\n".utf8)) }
    }

    /// `show protocols all` as BIRD 2.0.12 prints it (trimmed to one static and one BGP protocol).
    static let protocolsAll = """
        2002-Name       Proto      Table      State  Since         Info
        1002-static1    Static     master4    up     00:22:58.172  
        1006-  Channel ipv4
             State:          UP
             Routes:         1 imported, 0 exported, 1 preferred
         
        1002-mesh_node2 BGP        ---        start  00:23:02.452  Active        Socket: Connection refused
        1006-  Description:    node node2
           BGP state:          Active
             Neighbor address: 192.168.60.12
             Neighbor AS:      64512
             Last error:       Socket: Connection refused
           Channel ipv4
             State:          DOWN
         
        1002-rr_1       BGP        ---        up     00:23:02.452  Established   
        1006-  Description:    route reflector 192.168.61.1
           BGP state:          Established
           Channel ipv4
             State:          UP
             Routes:         2 imported, 0 filtered, 1 exported, 2 preferred
           Channel ipv6
             State:          UP
             Routes:         1 imported, 1 exported, 1 preferred
         
        0000 

        """

    @Test func showProtocolsAll() throws {
        var parser = BirdReplyParser()
        let reply = try #require(try parser.feed(Array(Self.protocolsAll.utf8)))
        let protocols = BirdProtocolStatus.parse(reply)
        #expect(protocols.map(\.name) == ["static1", "mesh_node2", "rr_1"])
        #expect(protocols[0].proto == "Static" && protocols[0].channels.first?.imported == 1)
        let down = protocols[1]
        #expect(down.state == "start" && down.info == "Active Socket: Connection refused")
        #expect(down.bgpState == "Active" && !down.isEstablished)
        #expect(down.description == "node node2" && down.neighborAddress == "192.168.60.12" && down.neighborAS == "64512")
        #expect(down.lastError == "Socket: Connection refused")
        let up = protocols[2]
        #expect(up.isEstablished && up.imported == 3 && up.exported == 2)
        #expect(up.channels.map(\.name) == ["ipv4", "ipv6"] && up.channels.allSatisfy { $0.state == "UP" })
    }
}
