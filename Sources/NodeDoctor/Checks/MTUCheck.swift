/// MTUs on an overlay network: the underlay must carry the overlay MTU plus the VXLAN
/// overhead (50 bytes over IPv4, 70 over IPv6), and no pod interface, host veth or the
/// bridge may exceed the overlay MTU (larger packets are dropped at the VTEP, or
/// fragmented, and TCP connections across nodes stall).
public enum MTUCheck {
    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard let o = s.overlay, o.unresolved == nil, let underlay = o.underlay else { return [] }
        let overhead: UInt32 = underlay.local.isIPv4 ? 50 : 70
        var found: [Finding] = []
        guard let overlay = o.overlayMTU else {
            return [Finding(
                check: "underlay-mtu-too-small", network: s.network, object: underlay.name,
                problem: "underlay \(underlay.name) is too small to carry any VXLAN packet",
                evidence: "\(underlay.name) MTU \(underlay.mtu) < \(overhead) bytes of VXLAN overhead + 68",
                fix: "ip link set \(underlay.name) mtu 1500 (or the largest the underlay network carries)")]
        }
        if overlay + overhead > underlay.mtu {
            found.append(Finding(
                check: "underlay-mtu-too-small", network: s.network, object: underlay.name,
                problem: "the underlay cannot carry full-size overlay packets: encapsulated packets above \(underlay.mtu) bytes are dropped",
                evidence: "overlay MTU \(overlay) (configured mtu) + \(overhead) VXLAN overhead = \(overlay + overhead) > \(underlay.name) MTU \(underlay.mtu)",
                fix: "set \"mtu\": \(underlay.mtu - overhead) in the vxlan plugin (or remove it) and re-add the pods, or raise \(underlay.name)'s MTU"))
        }
        var checked: [(object: String, what: String, mtu: UInt32)] = []
        if let name = s.bridge?.name, let bridge = s.link(named: name) { checked.append((name, "bridge \(name)", bridge.mtu)) }
        if let vtep = s.link(named: o.device) { checked.append((o.device, "VTEP \(o.device)", vtep.mtu)) }
        for pod in s.pods where pod.netnsExists {
            if let name = pod.hostVeth, let veth = s.link(named: name) {
                checked.append((name, "host veth \(name) of pod \(pod.label)", veth.mtu))
            }
            if let mtu = pod.podInterfaceMTU {
                checked.append(("\(pod.netns) \(pod.ifName)", "interface \(pod.ifName) of pod \(pod.label)", mtu))
            }
        }
        for item in checked where item.mtu > overlay {
            found.append(Finding(
                check: "mtu-above-overlay", network: s.network, object: item.object,
                problem: "\(item.what) has an MTU above the overlay MTU: packets larger than \(overlay) bytes to other nodes are dropped",
                evidence: "\(item.object) MTU \(item.mtu) > overlay MTU \(overlay) (\(o.configuredMTU != nil ? "configured" : "\(underlay.name) MTU \(underlay.mtu) − \(overhead)"))",
                fix: item.object.contains(" ") ? "re-add the pod (the vxlan plugin sets its MTU to \(overlay))" : "ip link set \(item.object) mtu \(overlay)"))
        }
        return found
    }
}
