import CNISpec
import Netlink

/// The bridge plugin's options, validated (see `BridgeConfig.init(request:)`).
public struct BridgeConfig: Sendable, Equatable {
    /// The only masquerading backend we implement.
    public enum MasqueradeBackend: String, Sendable { case nftables }

    /// `name` of the network (used in nftables attachment tags).
    public var networkName: String
    /// `bridge`, default `cni0`.
    public var bridgeName: String = "cni0"
    /// `isGateway`, or implied by `isDefaultGateway`.
    public var isGateway = false
    public var isDefaultGateway = false
    public var forceAddress = false
    public var ipMasq = false
    public var ipMasqBackend: MasqueradeBackend = .nftables
    /// 0 = kernel default.
    public var mtu = 0
    public var hairpinMode = false
    public var promiscMode = false
    /// Access VLAN (PVID, untagged) of the host port; 0 = none.
    public var vlan = 0
    /// Tagged VLANs of the host port; nil = none.
    public var vlanTrunk: [Int]? = nil
    /// `vlanTrunk` was present (even empty): the reference turns on VLAN filtering then.
    public var vlanTrunkPresent = false
    /// Keep VLAN 1 on the port when `vlan`/`vlanTrunk` are used (reference default: true).
    public var preserveDefaultVlan = true
    public var enableDAD = false
    public var macSpoofCheck = false
    public var disableContainerInterface = false
    public var portIsolation = false
    /// The requested container MAC: `runtimeConfig.mac` > `args.cni.mac` > `CNI_ARGS` `MAC`.
    public var mac: MACAddress? = nil
    /// `ipam.type`; nil = layer 2 only.
    public var ipamType: String? = nil
    /// `dns` of the configuration when any field is set; it replaces what IPAM returned.
    public var dns: CNIResult.DNS? = nil

    public init(networkName: String) { self.networkName = networkName }

    /// Whether the bridge needs `vlan_filtering`.
    public var needsVLANFiltering: Bool { vlan != 0 || vlanTrunkPresent }
    /// Whether IPAM is used (layer 3).
    public var isLayer3: Bool { ipamType != nil }
}
