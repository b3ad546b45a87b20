/// The network's bridge exists, is a bridge and is up; every cached pod's host veth exists,
/// is up and is a port of that bridge.
public enum BridgeCheck {
    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard let intent = s.bridge else { return [] }
        let name = intent.name
        guard let bridge = s.link(named: name), bridge.kind == "bridge" else {
            let kind = s.link(named: name)?.kind
            return [Finding(
                check: "bridge-missing", network: s.network, object: name,
                problem: kind == nil ? "bridge \(name) does not exist: no pod of the network has connectivity"
                    : "interface \(name) is not a bridge",
                evidence: kind == nil ? "no link named \(name) (RTM_GETLINK); \(s.pods.count) pod(s) cached"
                    : "link \(name) has kind \(kind ?? "none")",
                fix: "re-add the pods (the bridge plugin recreates \(name) on ADD): cnictl del/add, or restart them in the runtime")]
        }
        var found: [Finding] = []
        if !bridge.isUp {
            found.append(Finding(
                check: "bridge-down", network: s.network, object: name,
                problem: "bridge \(name) is down: its pods cannot reach their gateway or each other",
                evidence: "link \(name) (ifindex \(bridge.index)) has no IFF_UP flag",
                fix: "ip link set \(name) up"))
        }
        for pod in s.pods where pod.netnsExists {
            guard let vethName = pod.hostVeth else { continue }
            guard let veth = s.link(named: vethName) else {
                found.append(Finding(
                    check: "veth-missing", network: s.network, object: vethName,
                    problem: "host veth \(vethName) of pod \(pod.label) does not exist: the pod is cut off",
                    evidence: "the cached result names \(vethName); no link of that name (RTM_GETLINK)",
                    fix: "re-add the pod: cnictl del \(s.network) \(pod.netns) --container-id \(pod.containerID), then add"))
                continue
            }
            if !veth.isUp {
                found.append(Finding(
                    check: "veth-down", network: s.network, object: vethName,
                    problem: "host veth \(vethName) of pod \(pod.label) is down: the pod is cut off",
                    evidence: "link \(vethName) (ifindex \(veth.index)) has no IFF_UP flag",
                    fix: "ip link set \(vethName) up"))
            }
            if veth.masterIndex != bridge.index {
                let master = veth.masterIndex.map { s.link(index: $0)?.name ?? "ifindex \($0)" }
                found.append(Finding(
                    check: "veth-not-bridge-port", network: s.network, object: vethName,
                    problem: "host veth \(vethName) of pod \(pod.label) is not a port of \(name): its frames never reach the bridge",
                    evidence: "link \(vethName) has master \(master ?? "none"), \(name) is ifindex \(bridge.index)",
                    fix: "ip link set \(vethName) master \(name)"))
            }
        }
        return found
    }
}
