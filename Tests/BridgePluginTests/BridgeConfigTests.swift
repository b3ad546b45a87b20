import Testing

@testable import BridgePlugin

@Suite("BridgeConfig")
struct BridgeConfigTests {
    @Test func defaults() throws {
        let c = try Fixture.config()
        #expect(c.networkName == "net1")
        #expect(c.bridgeName == "cni0")
        #expect(!c.isGateway && !c.isDefaultGateway && !c.forceAddress && !c.ipMasq)
        #expect(c.ipMasqBackend == .nftables)
        #expect(c.mtu == 0 && c.vlan == 0 && c.vlanTrunk == nil && !c.vlanTrunkPresent)
        #expect(c.preserveDefaultVlan)
        #expect(!c.hairpinMode && !c.promiscMode && !c.enableDAD && !c.macSpoofCheck)
        #expect(!c.disableContainerInterface && !c.portIsolation)
        #expect(c.mac == nil && c.ipamType == nil && c.dns == nil)
        #expect(!c.needsVLANFiltering && !c.isLayer3)
    }

    @Test func everyOptionIsRead() throws {
        let c = try Fixture.config(
            #""bridge":"br-test","isGateway":true,"forceAddress":true,"ipMasq":true,"ipMasqBackend":"nftables","#
                + #""mtu":1400,"hairpinMode":true,"vlan":100,"preserveDefaultVlan":false,"enabledad":true,"#
                + #""macspoofchk":true,"portIsolation":true,"ipam":{"type":"host-local"},"dns":{"nameservers":["10.0.0.53"]}"#)
        #expect(c.bridgeName == "br-test")
        #expect(c.isGateway && !c.isDefaultGateway && c.forceAddress && c.ipMasq)
        #expect(c.mtu == 1400 && c.hairpinMode && c.vlan == 100 && !c.preserveDefaultVlan)
        #expect(c.enableDAD && c.macSpoofCheck && c.portIsolation)
        #expect(c.ipamType == "host-local" && c.isLayer3)
        #expect(c.dns?.nameservers == ["10.0.0.53"])
        #expect(c.needsVLANFiltering)
    }

    @Test func isDefaultGatewayImpliesIsGateway() throws {
        let c = try Fixture.config(#""isDefaultGateway":true"#)
        #expect(c.isGateway && c.isDefaultGateway)
    }

    @Test func emptyBridgeNameMeansDefault() throws {
        #expect(try Fixture.config(#""bridge":"""#).bridgeName == "cni0")
    }

    @Test func ipamWithoutTypeIsLayer2() throws {
        #expect(try Fixture.config(#""ipam":{}"#).isLayer3 == false)
    }

    @Test func promiscModeAlone() throws {
        #expect(try Fixture.config(#""promiscMode":true"#).promiscMode)
    }

    @Test func emptyTrunkTurnsOnFilteringWithoutVLANs() throws {
        let c = try Fixture.config(#""vlanTrunk":[]"#)
        #expect(c.vlanTrunk == nil && c.vlanTrunkPresent && c.needsVLANFiltering)
    }

    @Test func trunkIsSortedAndDeduplicated() throws {
        let c = try Fixture.config(#""vlanTrunk":[{"id":42},{"minID":10,"maxID":12},{"id":11},{"minID":1,"maxID":1}]"#)
        #expect(c.vlanTrunk == [1, 10, 11, 12, 42])
    }

    @Test func trunkEntryWithRangeAndID() throws {
        let c = try Fixture.config(#""vlanTrunk":[{"minID":3,"maxID":4,"id":9}]"#)
        #expect(c.vlanTrunk == [3, 4, 9])
    }

    @Test func vlanBoundaries() throws {
        #expect(try Fixture.config(#""vlan":4094"#).vlan == 4094)
        #expect(try Fixture.config(#""vlan":0"#).vlan == 0)
        #expect(try Fixture.config(#""vlanTrunk":[{"minID":1,"maxID":4094}]"#).vlanTrunk?.count == 4094)
    }

    @Test func ipMasqBackendIPTablesIsUnsupportedField() {
        let error = Fixture.error(#""ipMasq":true,"ipMasqBackend":"iptables""#)
        #expect(error?.code == .unsupportedField)
        #expect(error?.msg.contains("iptables") == true)
        #expect(error?.details.contains("nftables only") == true)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let json: String
        let code: Int
        let message: String
        var testDescription: String { json }
    }

    static let badInputs: [Bad] = [
        Bad(json: #""vlan":-1"#, code: 7, message: "invalid VLAN ID -1 (must be between 0 and 4094)"),
        Bad(json: #""vlan":4095"#, code: 7, message: "invalid VLAN ID 4095 (must be between 0 and 4094)"),
        Bad(json: #""vlanTrunk":[{"id":0}]"#, code: 7, message: "incorrect trunk id parameter"),
        Bad(json: #""vlanTrunk":[{"id":4095}]"#, code: 7, message: "incorrect trunk id parameter"),
        Bad(json: #""vlanTrunk":[{"minID":0,"maxID":5}]"#, code: 7, message: "incorrect trunk minID parameter"),
        Bad(json: #""vlanTrunk":[{"minID":5,"maxID":4095}]"#, code: 7, message: "incorrect trunk maxID parameter"),
        Bad(json: #""vlanTrunk":[{"minID":6,"maxID":5}]"#, code: 7, message: "minID is greater than maxID in trunk parameter"),
        Bad(json: #""vlanTrunk":[{"maxID":5}]"#, code: 7,
            message: "minID and maxID should be configured simultaneously, minID is missing"),
        Bad(json: #""vlanTrunk":[{"minID":5}]"#, code: 7,
            message: "minID and maxID should be configured simultaneously, maxID is missing"),
        Bad(json: #""vlan":5,"vlanTrunk":[{"id":6}]"#, code: 7, message: "cannot set vlan and vlanTrunk at the same time"),
        Bad(json: #""hairpinMode":true,"promiscMode":true"#, code: 7,
            message: "cannot set hairpin mode and promiscuous mode at the same time"),
        Bad(json: #""disableContainerInterface":true,"ipam":{"type":"host-local"}"#, code: 7,
            message: "cannot use IPAM when DisableContainerInterface flag is set"),
        Bad(json: #""ipMasqBackend":"pf""#, code: 7, message: "invalid ipMasqBackend \"pf\""),
        Bad(json: #""mtu":-1"#, code: 7, message: "invalid mtu -1"),
        Bad(json: #""mtu":67"#, code: 7, message: "invalid mtu 67"),
        Bad(json: #""mtu":65536"#, code: 7, message: "invalid mtu 65536"),
        Bad(json: #""bridge":"a-bridge-name-too-long""#, code: 7, message: "invalid bridge name \"a-bridge-name-too-long\""),
        Bad(json: #""bridge":"br/0""#, code: 7, message: "invalid bridge name \"br/0\""),
        Bad(json: #""bridge":"br:0""#, code: 7, message: "invalid bridge name \"br:0\""),
        Bad(json: #""bridge":"br 0""#, code: 7, message: "invalid bridge name \"br 0\""),
        Bad(json: #""bridge":"..""#, code: 7, message: "invalid bridge name \"..\""),
        Bad(json: #""runtimeConfig":{"mac":"zz:00:00:00:00:01"}"#, code: 7, message: "invalid MAC address \"zz:00:00:00:00:01\""),
        Bad(json: #""runtimeConfig":{"mac":"01:00:5e:00:00:01"}"#, code: 7, message: "invalid MAC address \"01:00:5e:00:00:01\""),
        Bad(json: #""runtimeConfig":{"mac":"00:00:00:00:00:00"}"#, code: 7, message: "invalid MAC address \"00:00:00:00:00:00\""),
        Bad(json: #""args":{"cni":{"mac":"0a:58:0a"}}"#, code: 7, message: "invalid MAC address \"0a:58:0a\""),
        // Wrong JSON types are decoding failures, as with the reference's json.Unmarshal.
        Bad(json: #""vlan":"5""#, code: 6, message: "wrong type for field \"vlan\""),
        Bad(json: #""mtu":1.5"#, code: 6, message: "wrong type for field \"mtu\""),
        Bad(json: #""isGateway":"yes""#, code: 6, message: "wrong type for field \"isGateway\""),
        Bad(json: #""bridge":7"#, code: 6, message: "wrong type for field \"bridge\""),
        Bad(json: #""vlanTrunk":{"id":5}"#, code: 6, message: "wrong type for field \"vlanTrunk\""),
        Bad(json: #""vlanTrunk":[5]"#, code: 6, message: "wrong type for field \"vlanTrunk[0]\""),
        Bad(json: #""vlanTrunk":[{"id":"5"}]"#, code: 6, message: "wrong type for field \"vlanTrunk[0].id\""),
        Bad(json: #""runtimeConfig":{"mac":5}"#, code: 6, message: "wrong type for field \"runtimeConfig.mac\""),
    ]

    @Test(arguments: badInputs)
    func badInputHasExactCodeAndMessage(_ bad: Bad) {
        let error = Fixture.error(bad.json)
        #expect(error?.code.rawValue == bad.code)
        #expect(error?.msg == bad.message)
    }

    @Test func macPrecedenceRuntimeConfigFirst() throws {
        let c = try Fixture.config(
            #""runtimeConfig":{"mac":"0a:00:00:00:00:01"},"args":{"cni":{"mac":"0a:00:00:00:00:02"}}"#,
            cniArgs: "IgnoreUnknown=1;MAC=0a:00:00:00:00:03")
        #expect(c.mac?.description == "0a:00:00:00:00:01")
    }

    @Test func macPrecedenceArgsBeforeCNIArgs() throws {
        let c = try Fixture.config(#""args":{"cni":{"mac":"0A:00:00:00:00:02"}}"#, cniArgs: "MAC=0a:00:00:00:00:03")
        #expect(c.mac?.description == "0a:00:00:00:00:02")
    }

    @Test func macFromCNIArgs() throws {
        let c = try Fixture.config(cniArgs: "K8S_POD_NAME=x;MAC=0a:00:00:00:00:03")
        #expect(c.mac?.description == "0a:00:00:00:00:03")
    }

    @Test func badMACInCNIArgsIsInvalidEnvironment() {
        let error = Fixture.error("", cniArgs: "MAC=nonsense")
        #expect(error?.code == .invalidEnvironment)
        #expect(error?.details.contains("CNI_ARGS MAC") == true)
    }

    @Test func emptyMACStringsAreIgnored() throws {
        let c = try Fixture.config(#""runtimeConfig":{"mac":""},"args":{"cni":{"mac":""}}"#, cniArgs: "MAC=0a:00:00:00:00:03")
        #expect(c.mac?.description == "0a:00:00:00:00:03")
    }

    @Test func emptyDNSIsNoOverride() throws {
        #expect(try Fixture.config(#""dns":{}"#).dns == nil)
    }
}

@Suite("BridgeConfig for cleanup")
struct BridgeCleanupConfigTests {
    @Test func invalidOptionsDoNotMatterForCleanup() throws {
        let conf = try Fixture.netConf(
            #"{"cniVersion":"1.0.0","name":"net1","type":"bridge","vlan":9999,"mtu":"x","hairpinMode":true,"promiscMode":true,"ipam":{"type":"host-local"}}"#)
        let c = BridgeConfig(cleanupOf: conf)
        #expect(c.networkName == "net1" && c.ipamType == "host-local" && c.isLayer3)
    }
}
