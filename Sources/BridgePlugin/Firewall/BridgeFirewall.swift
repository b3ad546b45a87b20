import CNISpec
import Netlink

/// The nftables rules of one attachment (MAC spoof check, forwarding accepts, masquerade),
/// all tagged with the attachment so DEL and GC remove exactly them.
///
/// TEMPORARY: the nftables layer (branch `nftables`) is not merged yet. Until it is, options
/// that need rules are refused with code 2 instead of being silently ignored, and removal
/// has nothing to remove.
struct BridgeFirewall {
    let request: CNIRequest
    let config: BridgeConfig

    var tag: AttachmentTag {
        AttachmentTag(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
    }

    func installSpoofCheck(hostVeth: String, containerMAC: MACAddress) throws(CNIError) {
        throw CNIError(.unsupportedField, "macspoofchk is not available in this build", details: "nftables layer missing")
    }

    func installForwardingAndMasquerade(bridge: String, addresses: [IPPrefix]) throws(CNIError) {
        if config.ipMasq {
            throw CNIError(.unsupportedField, "ipMasq is not available in this build", details: "nftables layer missing")
        }
    }

    func remove() throws(CNIError) {}

    static func garbageCollect(network: String, valid: [AttachmentTag]) throws(CNIError) {}
}
