import BGPRouting
import CNISpec
import Netlink
import Testing

@Suite struct RoutingConfigTests {
    @Test func absentRoutingMeansVxlan() throws {
        let config = try Fixtures.routing("{}")
        #expect(config.mode == .vxlan)
        #expect(!config.isBGP)
    }

    @Test func defaults() throws {
        let config = try Fixtures.routing(#"{"routing": {"mode": "bgp"}}"#)
        #expect(config.isBGP)
        #expect(config.asn == 64512)
        #expect(config.mesh)
        #expect(config.gracefulRestart && !config.bfd)
        #expect(config.holdTime == nil)
        #expect(config.birdConfig == "/etc/bird/bird.conf")
        #expect(config.birdSocket == "/run/bird/bird.ctl")
    }

    @Test func everyKey() throws {
        let config = try Fixtures.routing(
            """
            {"routing": {"mode": "bgp", "asn": 65010, "peers": "none", "bfd": true, "gracefulRestart": false,
             "holdTime": 9, "connectRetryTime": 2, "birdConfig": "/tmp/x/bird.conf", "birdSocket": "/tmp/x/bird.ctl",
             "routerID": "10.0.0.1",
             "routeReflectors": [{"address": "192.168.61.1", "nodes": ["node1"]}],
             "externalPeers": [{"address": "192.168.62.254", "asn": 65001, "password": "s3cret", "required": false}]}}
            """)
        #expect(config.asn == 65010 && !config.mesh && config.bfd && !config.gracefulRestart)
        #expect(config.holdTime == 9 && config.connectRetryTime == 2)
        #expect(config.routerID == InetAddress("10.0.0.1"))
        #expect(config.routeReflectors == [BGPPeer(kind: .routeReflector, address: InetAddress("192.168.61.1")!, asn: 65010, nodes: ["node1"])])
        #expect(config.externalPeers == [
            BGPPeer(kind: .external, address: InetAddress("192.168.62.254")!, asn: 65001, password: "s3cret", required: false)
        ])
    }

    @Test(arguments: [
        (#"{"routing": {"mode": "ospf"}}"#, "invalid routing.mode \"ospf\""),
        (#"{"routing": {"mode": "bgp", "asn": 0}}"#, "invalid routing.asn 0"),
        (#"{"routing": {"mode": "bgp", "asn": 4294967295}}"#, "invalid routing.asn 4294967295"),
        (#"{"routing": {"mode": "bgp", "peers": "all"}}"#, "invalid routing.peers \"all\""),
        (#"{"routing": {"mode": "bgp", "peers": "none"}}"#, "routing: bgp without peers"),
        (#"{"routing": {"mode": "bgp", "holdTime": 2}}"#, "invalid routing.holdTime 2"),
        (#"{"routing": {"mode": "bgp", "connectRetryTime": 0}}"#, "invalid routing.connectRetryTime 0"),
        (#"{"routing": {"mode": "bgp", "birdSocket": "run/bird.ctl"}}"#, "invalid routing.birdSocket \"run/bird.ctl\""),
        (#"{"routing": {"mode": "bgp", "birdConfig": "/etc/bird/"}}"#, "invalid routing.birdConfig \"/etc/bird/\""),
        (#"{"routing": {"mode": "bgp", "routerID": "::1"}}"#, "invalid routing.routerID \"::1\""),
        (#"{"routing": {"mode": "bgp", "externalPeers": [{"address": "10.0.0.1"}]}}"#, "routing.externalPeers[0].asn is required"),
        (#"{"routing": {"mode": "bgp", "externalPeers": [{"asn": 65001}]}}"#, "routing.externalPeers[0].address is required"),
        (#"{"routing": {"mode": "bgp", "externalPeers": [{"address": "10.0.0.300", "asn": 1}]}}"#, "invalid IP address \"10.0.0.300\" in routing.externalPeers[0].address"),
        (#"{"routing": {"mode": "bgp", "routeReflectors": [{"address": "10.0.0.1", "asn": 65001}]}}"#, "routing.routeReflectors[0].asn 65001 differs from the cluster's 64512"),
        (#"{"routing": {"mode": "bgp", "routeReflectors": [{"address": "10.0.0.1"}], "externalPeers": [{"address": "10.0.0.1", "asn": 1}]}}"#, "routing: BGP peer 10.0.0.1 is listed twice"),
        (#"{"routing": {"mode": "bgp", "externalPeers": [{"address": "10.0.0.1", "asn": 1, "password": "a\"; export all; \""}]}}"#, "invalid character in routing.externalPeers[0].password"),
        (#"{"routing": {"mode": "bgp", "externalPeers": [{"address": "10.0.0.1", "asn": 1, "password": ""}]}}"#, "invalid routing.externalPeers[0].password"),
    ])
    func invalidConfigIsCode7(json: String, message: String) throws {
        let error = #expect(throws: CNIError.self) { try Fixtures.routing(json) }
        #expect(error?.code == .invalidNetworkConfig)
        #expect(error?.msg == message)
    }

    @Test func wrongTypesAreDecodingFailures() throws {
        let error = #expect(throws: CNIError.self) { try Fixtures.routing(#"{"routing": {"mode": "bgp", "bfd": "yes"}}"#) }
        #expect(error?.code == .decodingFailure)
        let notObject = #expect(throws: CNIError.self) { try Fixtures.routing(#"{"routing": "bgp"}"#) }
        #expect(notObject?.code == .decodingFailure)
    }
}
