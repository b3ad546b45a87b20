import CNISpec
import Testing

@testable import HostLocalIPAM

@Suite("host-local configuration")
struct ConfigTests {
    @Test func rangesAndDefaults() throws {
        let c = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24","gateway":"10.1.0.254"},{"subnet":"10.2.0.0/24","rangeStart":"10.2.0.10","rangeEnd":"10.2.0.20"}],[{"subnet":"fd00::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"192.168.0.0/16","gw":"10.1.0.1"}]}"#
        )
        #expect(c.name == "net")
        #expect(c.dataDir == "/var/lib/cni/networks")
        #expect(c.networkDirectory == "/var/lib/cni/networks/net")
        #expect(c.rangeSets.count == 2)
        #expect(c.rangeSets[0].description == "10.1.0.1-10.1.0.254,10.2.0.10-10.2.0.20")
        #expect(c.rangeSets[0].ranges[0].gateway == ip("10.1.0.254"))
        #expect(c.rangeSets[0].ranges[1].gateway == ip("10.2.0.1"))
        #expect(c.rangeSets[1].ranges[0].rangeEnd == ip("fd00::ffff:ffff:ffff:ffff"))
        #expect(c.routes.map(\.dst) == ["0.0.0.0/0", "192.168.0.0/16"])
        #expect(c.routes[1].gw == "10.1.0.1")
    }

    @Test func legacyAndCapabilityRangesArePrepended() throws {
        let c = try hostLocalConfig(
            #"{"type":"host-local","subnet":"10.9.0.0/24","rangeStart":"10.9.0.5","gateway":"10.9.0.1","ranges":[[{"subnet":"fd00::/64"}]]}"#,
            extra: #","runtimeConfig":{"ipRanges":[[{"subnet":"10.20.0.0/16"}]]}"#)
        #expect(c.rangeSets.map(\.description) == [
            "10.20.0.1-10.20.255.254", "10.9.0.5-10.9.0.254", "fd00::1-fd00::ffff:ffff:ffff:ffff",
        ])
    }

    @Test func requestedIPsFromAllSources() throws {
        let c = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00::/64"}]]}"#,
            extra: #","args":{"cni":{"ips":["10.1.0.7"]}},"runtimeConfig":{"ips":["fd00::7/64","10.1.0.5"]}"#,
            cniArgs: "IgnoreUnknown=1;IP=10.1.0.5,10.1.0.6;K8S_POD_NAME=x")
        #expect(c.requestedIPs == [ip("10.1.0.7"), ip("fd00::7"), ip("10.1.0.5")])
    }

    /// CONVENTIONS: with `args.cni.ips` present, the same information in CNI_ARGS is ignored.
    @Test func cniArgsIPIgnoredWhenArgsCarryIPs() throws {
        let withArgs = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}"#,
            extra: #","args":{"cni":{"ips":["10.1.0.7"]}}"#, cniArgs: "IgnoreUnknown=1;IP=10.1.0.5")
        #expect(withArgs.requestedIPs == [ip("10.1.0.7")])
        let withoutArgs = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}"#, cniArgs: "IgnoreUnknown=1;IP=10.1.0.5,10.1.0.6")
        #expect(withoutArgs.requestedIPs == [ip("10.1.0.5"), ip("10.1.0.6")])
    }

    @Test func dataDirAndResolvConf() throws {
        let c = try hostLocalConfig(#"{"type":"host-local","dataDir":"/run/x/","resolvConf":"/etc/r.conf","subnet":"10.0.0.0/24"}"#)
        #expect(c.networkDirectory == "/run/x/net")
        #expect(c.resolvConf == "/etc/r.conf")
    }

    /// (ipam JSON, version, extra top-level JSON, CNI_ARGS, expected code, message fragment)
    static let invalid: [(String, String, String, String, Int, String)] = [
        (#"null"#, "1.0.0", "", "", 7, "IPAM config missing 'ipam' key"),
        (#"{"type":"host-local"}"#, "1.0.0", "", "", 7, "no IP ranges specified"),
        (#"{"type":"host-local","ranges":[]}"#, "1.0.0", "", "", 7, "no IP ranges specified"),
        (#"{"type":"host-local","ranges":[[]]}"#, "1.0.0", "", "", 7, "invalid range set 0: empty range set"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/33"}]]}"#, "1.0.0", "", "", 7, "invalid CIDR address: 10.0.0.0/33"),
        (#"{"type":"host-local","ranges":[[{"subnet":"banana"}]]}"#, "1.0.0", "", "", 7, "invalid CIDR address"),
        (#"{"type":"host-local","ranges":[[{"gateway":"10.0.0.1"}]]}"#, "1.0.0", "", "", 7, "subnet is missing"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.5/24"}]]}"#, "1.0.0", "", "", 7,
         "Network has host bits set. For a subnet mask of length 24 the network address is 10.0.0.0"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/31"}]]}"#, "1.0.0", "", "", 7, "Network 10.0.0.0/31 too small to allocate from"),
        (#"{"type":"host-local","ranges":[[{"subnet":"fd00::/127"}]]}"#, "1.0.0", "", "", 7, "Network fd00::/127 too small to allocate from"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","rangeStart":"10.0.1.5"}]]}"#, "1.0.0", "", "", 7, "10.0.1.5 not in network 10.0.0.0/24"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","rangeEnd":"10.1.0.5"}]]}"#, "1.0.0", "", "", 7, "10.1.0.5 not in network 10.0.0.0/24"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","gateway":"10.0.1.1"}]]}"#, "1.0.0", "", "", 7, "gateway 10.0.1.1 not in network 10.0.0.0/24"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","rangeStart":"fd00::1"}]]}"#, "1.0.0", "", "", 7, "is not the same protocol"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","rangeStart":"10.0.0.50","rangeEnd":"10.0.0.40"}]]}"#, "1.0.0", "", "", 7,
         "10.0.0.40 is in network 10.0.0.0/24 but before start 10.0.0.50"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24","gateway":"10.0.0.300"}]]}"#, "1.0.0", "", "", 7, "invalid IP address: 10.0.0.300"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"},{"subnet":"fd00::/64"}]]}"#, "1.0.0", "", "", 7, "mixed address families"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"},{"subnet":"10.0.0.0/25"}]]}"#, "1.0.0", "", "", 7,
         "subnets 10.0.0.1-10.0.0.254 and 10.0.0.1-10.0.0.126 overlap"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/16"}],[{"subnet":"10.0.1.0/24"}]]}"#, "1.0.0", "", "", 7, "range set 0 overlaps with 1"),
        (#"{"type":"host-local","subnet":"10.0.0.0/24","ranges":[[{"subnet":"10.0.0.0/24"}]]}"#, "1.0.0", "", "", 7, "range set 0 overlaps with 1"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}],[{"subnet":"10.1.0.0/24"}]]}"#, "0.2.0", "", "", 7,
         "CNI version 0.2.0 does not support more than 1 address per family"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]],"routes":[{"dst":"nope"}]}"#, "1.0.0", "", "", 7, "invalid route dst"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0","gw":"x"}]}"#, "1.0.0", "", "", 7, "invalid route gw"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]]}"#, "1.0.0", #","args":{"cni":{"ips":["10.0.0.x"]}}"#, "", 7, "cannot understand ip"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]]}"#, "1.0.0", #","runtimeConfig":{"ips":["x"]}"#, "", 7, "cannot understand ip"),
        (#"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}]]}"#, "1.0.0", "", "IP=10.0.0", 4, "cannot understand ip"),
        // Wrong JSON types: code 6.
        (#"{"type":"host-local","ranges":"10.0.0.0/24"}"#, "1.0.0", "", "", 6, "ipam.ranges"),
        (#"{"type":"host-local","ranges":[{"subnet":"10.0.0.0/24"}]}"#, "1.0.0", "", "", 6, "ipam.ranges[0]"),
        (#"{"type":"host-local","ranges":[["10.0.0.0/24"]]}"#, "1.0.0", "", "", 6, "ipam.ranges[0][0]"),
        (#"{"type":"host-local","ranges":[[{"subnet":24}]]}"#, "1.0.0", "", "", 6, "ipam.ranges[0][0].subnet"),
        (#"{"type":"host-local","dataDir":7,"subnet":"10.0.0.0/24"}"#, "1.0.0", "", "", 6, "ipam.dataDir"),
        (#"{"type":"host-local","subnet":"10.0.0.0/24","routes":{}}"#, "1.0.0", "", "", 6, "ipam.routes"),
        (#"{"type":"host-local","subnet":"10.0.0.0/24"}"#, "1.0.0", #","runtimeConfig":{"ips":"10.0.0.5"}"#, "", 6, "runtimeConfig.ips"),
        (#"{"type":"host-local","subnet":"10.0.0.0/24"}"#, "1.0.0", #","runtimeConfig":{"ipRanges":{}}"#, "", 6, "runtimeConfig.ipRanges"),
    ]

    @Test(arguments: invalid.indices)
    func rejectsInvalid(_ index: Int) throws {
        let (ipam, version, extra, cniArgs, code, fragment) = Self.invalid[index]
        do {
            let c = try hostLocalConfig(ipam, version: version, extra: extra, cniArgs: cniArgs)
            Issue.record("accepted \(ipam): \(c.rangeSets)")
        } catch let error as CNIError {
            #expect(error.code.rawValue == code, "\(ipam): \(error)")
            #expect((error.msg + " " + error.details).contains(fragment), "\(ipam): \(error)")
        }
    }

    @Test func storeLocationIgnoresRanges() throws {
        let conf = try netConf(#"{"cniVersion":"1.0.0","name":"net","ipam":{"type":"host-local","dataDir":"/run/d","ranges":[[{"subnet":"bad"}]]}}"#)
        let c = try HostLocalConfig.storeLocation(netConf: conf)
        #expect(c.networkDirectory == "/run/d/net")
        #expect(c.rangeSets.isEmpty)
        let wrong = try netConf(#"{"cniVersion":"1.0.0","name":"net","ipam":{"type":"host-local","dataDir":1}}"#)
        #expect(throws: CNIError.self) { try HostLocalConfig.storeLocation(netConf: wrong) }
    }

    @Test func twoSetsPerFamilyAllowedFrom030() throws {
        let c = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}],[{"subnet":"10.1.0.0/24"}]]}"#, version: "0.3.0")
        #expect(c.rangeSets.count == 2)
        let one = try hostLocalConfig(
            #"{"type":"host-local","ranges":[[{"subnet":"10.0.0.0/24"}],[{"subnet":"fd00::/64"}]]}"#, version: "0.2.0")
        #expect(one.rangeSets.count == 2, "one set per family is fine below 0.3.0")
    }
}
