import CNISpec
import Netlink
import Testing

@testable import TuningPlugin
import JSONSupport

enum Fixture {
    static func config(_ extra: String = "", cniArgs: String = "") throws(CNIError) -> TuningConfig {
        let comma = extra.isEmpty ? "" : ","
        let json = #"{"cniVersion":"1.0.0","name":"net1","type":"tuning"\#(comma)\#(extra)}"#
        let bytes = Array(json.utf8)
        guard case .object(let object) = try? JSONParser.parse(bytes) else { fatalError("fixture is not JSON: \(json)") }
        let conf = try NetConf(bytes: bytes, object: object, version: .v1_0_0)
        return try TuningConfig(config: conf, args: try CNIArgs(parsing: cniArgs))
    }

    static func code(_ extra: String, cniArgs: String = "") -> Int? {
        do {
            _ = try config(extra, cniArgs: cniArgs)
            return nil
        } catch {
            return error.code.rawValue
        }
    }
}

@Suite("TuningConfig")
struct TuningConfigTests {
    @Test func defaults() throws {
        let c = try Fixture.config()
        #expect(c == TuningConfig())
        #expect(c.dataDir == "/run/cni/tuning")
        #expect(!c.changesLink)
    }

    @Test func everyOptionIsRead() throws {
        let c = try Fixture.config(
            #""sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.IFNAME.arp_notify":"1"},"mac":"c2:11:22:33:44:55","#
                + #""mtu":1400,"promisc":true,"allmulti":false,"txQLen":2000,"dataDir":"/tmp/x""#)
        #expect(c.sysctls == [.init(key: "net.core.somaxconn", value: "500"), .init(key: "net.ipv4.conf.IFNAME.arp_notify", value: "1")])
        #expect(c.mac == MACAddress("c2:11:22:33:44:55"))
        #expect(c.mtu == 1400 && c.promiscuous && c.allMulticast == false && c.txQueueLength == 2000)
        #expect(c.dataDir == "/tmp/x")
    }

    @Test func macPrecedenceFollowsTheReference() throws {
        let base = #""mac":"02:00:00:00:00:01""#
        #expect(try Fixture.config(base).mac == MACAddress("02:00:00:00:00:01"))
        #expect(try Fixture.config(base, cniArgs: "IgnoreUnknown=1;MAC=02:00:00:00:00:02").mac == MACAddress("02:00:00:00:00:02"))
        let runtime = base + #","runtimeConfig":{"mac":"02:00:00:00:00:03"}"#
        #expect(try Fixture.config(runtime, cniArgs: "MAC=02:00:00:00:00:02").mac == MACAddress("02:00:00:00:00:03"))
        let args = runtime + #","args":{"cni":{"mac":"02:00:00:00:00:04"}}"#
        #expect(try Fixture.config(args, cniArgs: "MAC=02:00:00:00:00:02").mac == MACAddress("02:00:00:00:00:04"))
    }

    @Test func argsCNIOverridesAndExtends() throws {
        let c = try Fixture.config(
            #""sysctl":{"net.core.somaxconn":"500"},"mtu":1400,"promisc":true,"#
                + #""args":{"cni":{"sysctl":{"net.core.somaxconn":"600","net.ipv4.ip_forward":"1"},"mtu":1300,"promisc":false,"allmulti":true,"txQLen":5}}"#)
        #expect(c.sysctls == [.init(key: "net.core.somaxconn", value: "600"), .init(key: "net.ipv4.ip_forward", value: "1")])
        #expect(c.mtu == 1300 && !c.promiscuous && c.allMulticast == true && c.txQueueLength == 5)
    }

    @Test func zeroMTUMeansUnset() throws {
        #expect(try Fixture.config(#""mtu":0"#).mtu == nil)
    }

    @Test func badValuesAreRefusedWithTheirCodes() {
        #expect(Fixture.code(#""sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}"#) == 7)
        #expect(Fixture.code(#""args":{"cni":{"sysctl":{"net.a":"1","net.a":"2"}}}"#) == 7)
        #expect(Fixture.code(#""sysctl":{"net.core.somaxconn":500}"#) == 6)
        #expect(Fixture.code(#""sysctl":["net.core.somaxconn"]"#) == 6)
        #expect(Fixture.code(#""mac":"zz:11:22:33:44:55""#) == 7)
        #expect(Fixture.code(#""mac":"c2:11:22:33:44""#) == 7)
        #expect(Fixture.code(#""runtimeConfig":{"mac":"nope"}"#) == 7)
        #expect(Fixture.code("", cniArgs: "MAC=nope") == 7)
        #expect(Fixture.code(#""mtu":-1"#) == 7)
        #expect(Fixture.code(#""mtu":"1500""#) == 6)
        #expect(Fixture.code(#""mtu":1500.5"#) == 6)
        #expect(Fixture.code(#""txQLen":-1"#) == 7)
        #expect(Fixture.code(#""promisc":"yes""#) == 6)
        #expect(Fixture.code(#""allmulti":1"#) == 6)
        #expect(Fixture.code(#""dataDir":"relative/dir""#) == 7)
    }

    @Test func dataDirForDelIgnoresOtherErrors() throws {
        let json = #"{"cniVersion":"1.0.0","name":"n","type":"tuning","mtu":"bad","dataDir":"/tmp/d"}"#
        guard case .object(let object) = try JSONParser.parse(json) else { return }
        let conf = try NetConf(bytes: Array(json.utf8), object: object, version: .v1_0_0)
        #expect(TuningConfig.dataDir(of: conf) == "/tmp/d")
    }
}

@Suite("Sysctl keys")
struct SysctlKeyTests {
    @Test func dotsBecomeSlashesAndIFNAMEIsSubstituted() throws {
        #expect(try SysctlSetting.path(of: "net.core.somaxconn", ifName: "eth0") == "net/core/somaxconn")
        #expect(try SysctlSetting.path(of: "net.ipv4.conf.IFNAME.arp_notify", ifName: "eth0.100") == "net/ipv4/conf/eth0.100/arp_notify")
        #expect(try SysctlSetting.path(of: "net/ipv6/conf/IFNAME/accept_ra", ifName: "net1") == "net/ipv6/conf/net1/accept_ra")
    }

    @Test func keysOutsideNetAreRefused() {
        for key in ["kernel.hostname", "net", "net.", "net..core", "net.core/../../kernel/x", "net/../kernel/hostname",
                    "/net/core/somaxconn", "vm.swappiness", "net/./core"] {
            #expect(throws: CNIError.self, "\(key)") { _ = try SysctlSetting.path(of: key, ifName: "eth0") }
        }
    }

    @Test func twoKeysNamingOneFileAreRefused() throws {
        let c = try Fixture.config(#""sysctl":{"net.ipv4.conf.IFNAME.arp_notify":"1","net.ipv4.conf.eth0.arp_notify":"0"}"#)
        #expect(throws: CNIError.self) { _ = try InterfaceSettings(desired: c, ifName: "eth0") }
        #expect(try InterfaceSettings(desired: c, ifName: "eth1").sysctls.count == 2)
    }
}

@Suite("Sysctl allow-list")
struct SysctlAllowlistTests {
    @Test func patternsMatchAnywhereInTheConfiguredKey() throws {
        let list = SysctlAllowlist(text: "  ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$ \n\n^net\\.core\\.somaxconn$\n")
        #expect(list.patterns.count == 2)
        try list.check(["net.ipv4.conf.IFNAME.arp_notify", "net.core.somaxconn"])
        #expect(throws: CNIError.self) { try list.check(["net.ipv4.ip_forward"]) }
        try SysctlAllowlist(text: "somaxconn").check(["net.core.somaxconn"])
    }

    @Test func anEmptyListAllowsNothing() {
        #expect(throws: CNIError.self) { try SysctlAllowlist(text: "\n").check(["net.core.somaxconn"]) }
    }

    @Test func anInvalidPatternIsAConfigError() {
        do {
            try SysctlAllowlist(text: "net.(").check(["net.core.somaxconn"])
            Issue.record("accepted an invalid pattern")
        } catch {
            #expect(error.code == .invalidNetworkConfig)
        }
    }
}

@Suite("Backup record")
struct BackupRecordTests {
    @Test func roundTrips() throws {
        let record = BackupRecord(
            network: "n", containerID: "c_1", ifName: "eth0",
            original: InterfaceSettings(
                mac: MACAddress("02:00:00:00:00:09"), mtu: 1500, promiscuous: false, allMulticast: true, txQueueLength: 1000,
                sysctls: [.init(key: "net/ipv4/conf/eth0/arp_notify", value: "0")]))
        #expect(try BackupRecord(json: JSONParser.parse(record.json.serializedBytes())) == record)
    }

    @Test func readsTheReferenceFormat() throws {
        let json = #"{"mac":"0a:58:0a:01:00:05","promisc":false,"mtu":1500,"allmulti":false}"#
        let record = try BackupRecord(json: JSONParser.parse(json))
        #expect(record.network == nil && record.original.mtu == 1500 && record.original.mac == MACAddress("0a:58:0a:01:00:05"))
        #expect(record.original.promiscuous == false && record.original.allMulticast == false && record.original.txQueueLength == nil)
    }

    @Test func anEarlierRecordKeepsItsOriginals() {
        let earlier = InterfaceSettings(mtu: 1500, sysctls: [.init(key: "net/core/somaxconn", value: "4096")])
        let current = InterfaceSettings(
            mtu: 1400, promiscuous: false,
            sysctls: [.init(key: "net/core/somaxconn", value: "701"), .init(key: "net/ipv4/ip_forward", value: "0")])
        let merged = current.keepingOriginals(from: earlier)
        #expect(merged.mtu == 1500 && merged.promiscuous == false)
        #expect(merged.sysctls == [.init(key: "net/core/somaxconn", value: "4096"), .init(key: "net/ipv4/ip_forward", value: "0")])
        #expect(InterfaceSettings(txQueueLength: 5).keepingOriginals(from: earlier).mtu == 1500, "still restored")
    }

    @Test func refusesPathsOutsideNet() {
        #expect(throws: CNIError.self) { _ = try BackupRecord(json: JSONParser.parse(#"{"sysctl":{"kernel/hostname":"x"}}"#)) }
    }
}
