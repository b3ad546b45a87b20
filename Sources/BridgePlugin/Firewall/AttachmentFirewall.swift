import CNISpec
import NFTables
import Netlink
import PluginRuntime

/// The nftables rules of one attachment, through the nftables layer's `BridgeFirewall`:
/// NAT-free forward accepts for the bridge (shared by the network), ipMasq and macspoofchk
/// (per attachment). Every rule is tagged with the attachment (network, container, ifname),
/// so DEL and GC remove exactly its rules, without `prevResult` and without the netns.
struct AttachmentFirewall {
    let network: String
    let containerID: String
    let ifName: String

    init(request: CNIRequest, config: BridgeConfig) {
        self.init(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
    }

    init(network: String, containerID: String, ifName: String) {
        self.network = network
        self.containerID = containerID
        self.ifName = ifName
    }

    var attachment: NFTAttachment { NFTAttachment(network: network, containerID: containerID, ifname: ifName) }

    /// The member that owns the network's forward accepts: the network itself (an empty
    /// container ID, which CNI never gives a container). The accepts belong to the bridge and
    /// persist with it, as the bridge persists after its last pod (reference behaviour): ADD
    /// then finds them in place (a netlink read, no transaction) and a pod's DEL has nothing
    /// shared to delete (deleting the last member used to delete the table, a kernel grace
    /// period per DEL). GC with no valid attachment left removes them.
    static func networkMember(_ network: String) -> NFTAttachment {
        NFTAttachment(network: network, containerID: "", ifname: "")
    }

    private func open() throws(CNIError) -> (BridgeFirewall, NFTablesSession) {
        do {
            return (try BridgeFirewall(), try NFTablesSession())
        } catch {
            throw error.cniError
        }
    }

    /// macspoofchk: `iifname <host veth> ether saddr != <container MAC> drop`.
    struct SpoofCheck: Sendable {
        var hostVeth: String
        var containerMAC: MACAddress
    }

    /// Forward accepts to and from the bridge, and with `ipMasq` masquerading of the pod's
    /// addresses towards destinations outside the pod network.
    struct Forwarding: Sendable {
        var bridge: String
        var addresses: [IPPrefix]
        var ipMasq: Bool
    }

    /// Writes the rules asked for, in one session.
    func install(spoofCheck: SpoofCheck?, forwarding: Forwarding?) throws(CNIError) {
        let (firewall, session) = try open()
        do {
            if let spoofCheck {
                try firewall.addMacSpoofCheck(
                    session, attachment: attachment, hostInterface: spoofCheck.hostVeth, mac: spoofCheck.containerMAC.description)
            }
            if let forwarding {
                try firewall.ensureForwardAccept(session, attachment: Self.networkMember(network), bridge: forwarding.bridge)
                if forwarding.ipMasq && !forwarding.addresses.isEmpty {
                    var prefixes: [NFTPrefix] = []
                    for address in forwarding.addresses { prefixes.append(try NFTPrefix(address.description)) }
                    try firewall.addMasquerade(session, attachment: attachment, podAddresses: prefixes)
                }
            }
        } catch {
            throw error.cniError
        }
    }

    /// Whether a link named `bridge` exists in this (the host) namespace; true when that
    /// cannot be told, so a netlink failure never retires a live network's rules.
    @Sendable static func bridgeExists(_ bridge: String) -> Bool {
        do {
            return try NetlinkSocket().link(named: bridge) != nil
        } catch {
            return true
        }
    }

    /// Removes every rule of the attachment (idempotent), and the forward accepts of every
    /// network whose bridge is gone (see `BridgeFirewall.retirement`).
    func remove() throws(CNIError) {
        let (firewall, context) = try open()
        do {
            try firewall.remove(context, attachment: attachment, retiring: firewall.retirement(bridgeExists: Self.bridgeExists))
        } catch {
            throw error.cniError
        }
    }

    /// Removes rules of `network`'s attachments that are not in `valid`; with no valid
    /// attachment, the network's forward accepts too; and the accepts of every network whose
    /// bridge is gone.
    static func garbageCollect(network: String, valid: [CNIAttachment]) throws(CNIError) {
        do {
            let firewall = try BridgeFirewall()
            let context = try NFTablesSession()
            var keep = valid.map { NFTAttachment(network: network, containerID: $0.containerID, ifname: $0.ifname) }
            // The network's forward accepts stay while it has a valid attachment.
            if !keep.isEmpty { keep.append(networkMember(network)) }
            try firewall.garbageCollect(
                context, network: network, keeping: keep, retiring: firewall.retirement(bridgeExists: bridgeExists))
        } catch {
            throw error.cniError
        }
    }
}
