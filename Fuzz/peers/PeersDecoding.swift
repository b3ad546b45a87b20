// Fuzz target `peers`: the vxlan node list (the peers file, `nodes`, a Kubernetes NodeList,
// as read by the plugin and `cnictl reconcile-peers`).
//
// Any JSON value either yields nodes or is refused with a CNI error with a message. Accepted
// nodes have a name, an underlay address, at least one pod CIDR (network addresses, without
// duplicates), are unique by name and underlay address, and do not overlap each other's pod
// CIDRs; each has a unicast VTEP MAC.
import Netlink
import Overlay
import JSONSupport

func fuzzOne(_ input: [UInt8]) {
    guard let value = try? JSONParser.parse(input) else { return }
    let nodes: [ClusterNode]
    do {
        nodes = try NodeInventory.parse(value, source: "peers.json")
    } catch {
        fuzzCheck(!error.msg.isEmpty, "node list error without a message")
        return
    }
    for (index, node) in nodes.enumerated() {
        fuzzCheck(!node.name.isEmpty, "node without a name")
        fuzzCheck(!node.podCIDRs.isEmpty, "node \(node.name) without a pod CIDR")
        for cidr in node.podCIDRs {
            fuzzCheck(Int(cidr.length) <= Int(cidr.address.maxPrefixLength), "prefix length \(cidr.length) accepted")
            fuzzCheck(cidr.address == cidr.network, "pod CIDR \(cidr) is not a network address")
        }
        fuzzCheck(Set(node.podCIDRs).count == node.podCIDRs.count, "duplicate pod CIDRs on node \(node.name)")
        for vni: UInt32 in [1, 0xFF_FFFF] {
            let mac = node.mac(vni: vni)
            fuzzCheck(mac.bytes.count == 6 && mac.bytes[0] & 1 == 0, "VTEP MAC \(mac) is not unicast")
        }
        for other in nodes[..<index] {
            fuzzCheck(other.name != node.name, "node \(node.name) listed twice")
            fuzzCheck(other.underlayIP != node.underlayIP, "underlay IP \(node.underlayIP) shared")
            for a in node.podCIDRs {
                fuzzCheck(!other.podCIDRs.contains { $0.overlaps(a) }, "pod CIDR \(a) overlaps node \(other.name)")
            }
        }
    }
}
