import NFTables

/// A base chain on the forward hook with policy drop in a table that is not ours (Docker's
/// iptables-nft `FORWARD` with policy DROP, a host firewall) sees every packet the node
/// routes for its pods and drops what no rule of it accepts. The `firewall` plugin opens
/// such chains per attachment (rules tagged `swcni a=<attachment key>`); a routed pod
/// without such a rule, and without rules of the chain's own accepting all traffic or its
/// address both as source and as destination (see `AcceptRule`), in a chain of its family is
/// reported, with the chain's policy counters when it has them.
public enum ForeignFirewallCheck {
    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        guard s.routesPodTraffic else { return [] }
        var found: [Finding] = []
        for chain in s.foreignForwardChains where chain.dropsByDefault {
            let exposed = s.pods.filter { pod in
                pod.netnsExists
                    && pod.addresses.contains { $0.isIPv4 ? chain.carriesIPv4 : chain.carriesIPv6 }
                    && !chain.openedAttachmentKeys.contains(
                        NFTAttachment(network: s.network, containerID: pod.containerID, ifname: pod.ifName).key)
                    && !accepted(pod, by: chain)
            }
            guard !exposed.isEmpty else { continue }
            let name = "\(chain.family) \(chain.table) \(chain.chain)"
            var evidence = "base chain \(name): hook forward, policy drop"
            if let packets = chain.policyPackets {
                evidence += ", \(packets) packets / \(chain.policyBytes ?? 0) bytes met the policy"
            }
            let listed = exposed.prefix(3).map(\.label).joined(separator: ", ") + (exposed.count > 3 ? ", ..." : "")
            evidence += "; no rule of ours opens it for \(exposed.count) pod(s): \(listed)"
            let family = chain.carriesIPv4 && exposed.contains { $0.addresses.contains(where: \.isIPv4) } ? "ip" : "ip6"
            let sample = exposed.flatMap(\.addresses).first { $0.isIPv4 == (family == "ip") }.map(\.description) ?? "POD_ADDRESS"
            found.append(Finding(
                check: "foreign-forward-drop", network: s.network, object: name,
                problem: "a foreign firewall chain drops routed pod traffic by default (e.g. Docker's FORWARD policy DROP)",
                evidence: evidence,
                fix: "add {\"type\": \"firewall\"} after the main plugin in the conflist and re-add the pods, "
                    + "or accept the pods both ways there, e.g. nft insert rule \(name) \(family) saddr \(sample) accept; "
                    + "nft insert rule \(name) \(family) daddr \(sample) accept (or the pod CIDR)"))
        }
        return found
    }

    /// Both directions must be open: replies to the pod and connections toward it (from
    /// other nodes' pods) meet the chain as packets with the pod as destination.
    static func accepted(_ pod: PodAttachment, by chain: ForwardChain) -> Bool {
        if chain.accepts.contains(.everything) { return true }
        return pod.addresses.contains { address in
            var out = false, back = false
            for accepts in chain.accepts {
                switch accepts {
                case .source(let p) where p.address.isIPv4 == address.isIPv4 && p.contains(address): out = true
                case .destination(let p) where p.address.isIPv4 == address.isIPv4 && p.contains(address): back = true
                default: continue
                }
            }
            return out && back
        }
    }
}
