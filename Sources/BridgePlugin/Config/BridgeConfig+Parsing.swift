import CNISpec
import Netlink
import PluginRuntime

extension BridgeConfig {
    /// Reads and validates every option. Wrong JSON types are code 6 (as the reference's
    /// decoder), invalid values and contradictions code 7, the `iptables` masquerading backend
    /// code 2 (not supported by this implementation), a bad `CNI_ARGS` MAC code 4.
    public init(request: CNIRequest) throws(CNIError) {
        try self.init(config: request.config, cniArgs: request.args)
    }

    public init(config: NetConf, cniArgs: CNIArgs) throws(CNIError) {
        let r = config.reader
        self.init(networkName: config.name)

        if let name = try r.string("bridge"), !name.isEmpty { bridgeName = name }
        if let problem = InterfaceNameRule.problem(bridgeName) {
            throw CNIError(.invalidNetworkConfig, "invalid bridge name \"\(bridgeName)\"", details: "the name \(problem)")
        }
        isGateway = try r.bool("isGateway") ?? false
        isDefaultGateway = try r.bool("isDefaultGateway") ?? false
        if isDefaultGateway { isGateway = true }
        forceAddress = try r.bool("forceAddress") ?? false
        ipMasq = try r.bool("ipMasq") ?? false
        if let backend = try r.string("ipMasqBackend"), !backend.isEmpty {
            switch backend {
            case "nftables": ipMasqBackend = .nftables
            case "iptables":
                throw CNIError(
                    .unsupportedField, "ipMasqBackend \"iptables\" is not supported",
                    details: "this bridge plugin masquerades with nftables only; set \"ipMasqBackend\": \"nftables\" or leave it out")
            default:
                throw CNIError(
                    .invalidNetworkConfig, "invalid ipMasqBackend \"\(backend)\"",
                    details: "expected \"nftables\" (\"iptables\" is not supported)")
            }
        }
        mtu = try r.int("mtu") ?? 0
        if mtu != 0 && (mtu < 68 || mtu > 65535) {
            throw CNIError(.invalidNetworkConfig, "invalid mtu \(mtu)", details: "mtu must be 0 (kernel default) or between 68 and 65535")
        }
        hairpinMode = try r.bool("hairpinMode") ?? false
        promiscMode = try r.bool("promiscMode") ?? false

        vlan = try r.int("vlan") ?? 0
        if vlan < 0 || vlan > 4094 {
            throw CNIError(.invalidNetworkConfig, "invalid VLAN ID \(vlan) (must be between 0 and 4094)", details: "field \"vlan\"")
        }
        let trunkEntries = try r.objects("vlanTrunk")
        vlanTrunkPresent = trunkEntries != nil
        vlanTrunk = try VLANTrunk.collect(trunkEntries)
        if vlan > 0 && vlanTrunk != nil {
            throw CNIError(
                .invalidNetworkConfig, "cannot set vlan and vlanTrunk at the same time",
                details: "a port is either an access port (vlan) or a trunk port (vlanTrunk)")
        }
        preserveDefaultVlan = try r.bool("preserveDefaultVlan") ?? true
        enableDAD = try r.bool("enabledad") ?? false
        macSpoofCheck = try r.bool("macspoofchk") ?? false
        disableContainerInterface = try r.bool("disableContainerInterface") ?? false
        portIsolation = try r.bool("portIsolation") ?? false
        ipamType = config.ipamType

        if isLayer3 && disableContainerInterface {
            throw CNIError(
                .invalidNetworkConfig, "cannot use IPAM when DisableContainerInterface flag is set",
                details: "an interface left down cannot be given addresses; remove ipam or disableContainerInterface")
        }
        if hairpinMode && promiscMode {
            throw CNIError(
                .invalidNetworkConfig, "cannot set hairpin mode and promiscuous mode at the same time",
                details: "set at most one of hairpinMode and promiscMode")
        }

        mac = try Self.requestedMAC(config: config, cniArgs: cniArgs)
        dns = config.dns
    }

    /// What DEL and GC need, without validating the options: the network name and the IPAM
    /// type. A configuration edited into something invalid after ADD (or a `CNI_ARGS` MAC
    /// that no longer parses) must not block the release of what ADD created.
    public init(cleanupOf config: NetConf) {
        self.init(networkName: config.name)
        ipamType = config.ipamType
    }

    /// `runtimeConfig.mac` > `args.cni.mac` > `CNI_ARGS` `MAC=`; empty strings are ignored.
    static func requestedMAC(config: NetConf, cniArgs: CNIArgs) throws(CNIError) -> MACAddress? {
        if let text = try config.runtimeConfig.string("mac"), !text.isEmpty {
            return try validMAC(text, source: "runtimeConfig.mac", code: .invalidNetworkConfig)
        }
        if let text = try config.argsCNIString("mac"), !text.isEmpty {
            return try validMAC(text, source: "args.cni.mac", code: .invalidNetworkConfig)
        }
        if let text = cniArgs["MAC"], !text.isEmpty {
            return try validMAC(text, source: "CNI_ARGS MAC", code: .invalidEnvironment)
        }
        return nil
    }

    private static func validMAC(_ text: String, source: String, code: CNIErrorCode) throws(CNIError) -> MACAddress {
        guard let mac = RequestedMAC.parse(text) else {
            throw CNIError(code, "invalid MAC address \"\(text)\"", details: "\(source) must look like 0a:58:0a:f4:00:05")
        }
        if RequestedMAC.isMulticast(mac) || RequestedMAC.isZero(mac) {
            throw CNIError(
                code, "invalid MAC address \"\(text)\"",
                details: "\(source) must be a unicast, non-zero address (the lowest bit of the first byte clear)")
        }
        return mac
    }
}
