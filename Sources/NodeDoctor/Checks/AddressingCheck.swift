import AttachmentNaming
import Netlink

/// The network's addresses agree across the result cache, host-local's store and the links:
/// every cached pod address is reserved for that pod and used once; every reservation
/// belongs to a cached attachment; every cached attachment's namespace exists; every host
/// veth labelled as ours belongs to a cached attachment.
public enum AddressingCheck {
    public static func findings(_ s: NodeSnapshot) -> [Finding] {
        reservationFindings(s) + duplicateFindings(s) + namespaceFindings(s) + staleVethFindings(s)
    }

    static func owns(_ r: Reservation, _ pod: PodAttachment) -> Bool {
        r.containerID == pod.containerID && (r.ifName == nil || r.ifName == pod.ifName)
    }

    static func reservationFindings(_ s: NodeSnapshot) -> [Finding] {
        guard let store = s.reservations else { return [] }
        var found: [Finding] = []
        for pod in s.pods {
            for address in pod.addresses {
                let file = "\(store.directory)/\(address)"
                guard let r = store.entries.first(where: { $0.address == address }) else {
                    found.append(Finding(
                        check: "address-not-reserved", network: s.network, object: file,
                        problem: "pod \(pod.label) uses \(address) but host-local has no reservation for it: the next ADD can hand it out again",
                        evidence: "the cached result lists \(address); \(file) does not exist",
                        fix: "re-add the pod (cnictl del, then add) so host-local reserves its address"))
                    continue
                }
                if !owns(r, pod) {
                    found.append(Finding(
                        check: "address-reserved-by-other", network: s.network, object: file,
                        problem: "pod \(pod.label) uses \(address), reserved for another attachment: two pods can end up with one address",
                        evidence: "\(file) holds \(r.containerID)\(r.ifName.map { "/\($0)" } ?? ""), the cache says \(pod.containerID)/\(pod.ifName)",
                        fix: "re-add one of the two attachments so each has its own reservation"))
                }
            }
        }
        for r in store.entries where !s.pods.contains(where: { owns(r, $0) }) {
            let owner = "\(r.containerID)\(r.ifName.map { "/\($0)" } ?? "")"
            found.append(Finding(
                check: "reservation-leaked", network: s.network, object: "\(store.directory)/\(r.address)",
                problem: "\(r.address) is reserved for \(owner), which has no cached attachment: the address is lost to the pool",
                evidence: "reservation file \(store.directory)/\(r.address) names \(owner); no result-cache entry of network \(s.network) matches",
                fix: "cnictl gc \(s.network) (CNI 1.1.0 lists: host-local releases reservations of attachments not valid), "
                    + "or remove \(store.directory)/\(r.address) once no pod uses \(r.address)"))
        }
        return found
    }

    static func duplicateFindings(_ s: NodeSnapshot) -> [Finding] {
        var users: [InetAddress: [PodAttachment]] = [:]
        var order: [InetAddress] = []
        for pod in s.pods {
            for address in Set(pod.addresses) {
                if users[address] == nil { order.append(address) }
                users[address, default: []].append(pod)
            }
        }
        return order.compactMap { address in
            guard let pods = users[address], pods.count > 1 else { return nil }
            return Finding(
                check: "address-used-twice", network: s.network, object: "\(address)",
                problem: "\(address) is the address of \(pods.count) cached attachments: replies reach only one of them",
                evidence: "result-cache entries: \(pods.map(\.label).joined(separator: ", "))",
                fix: "delete and re-add all but one of them (cnictl del, then add) so each gets its own address")
        }
    }

    static func namespaceFindings(_ s: NodeSnapshot) -> [Finding] {
        s.pods.filter { !$0.netnsExists }.map { pod in
            Finding(
                check: "cache-netns-gone", network: s.network, object: pod.netns.isEmpty ? pod.label : pod.netns,
                problem: "the cached attachment \(pod.label) outlived its network namespace: its DEL never came, its address and veth stay allocated",
                evidence: "result-cache entry \(s.network)-\(pod.containerID)-\(pod.ifName) names netns \"\(pod.netns)\", which does not exist",
                fix: "cnictl gc \(s.network) (DELs cached attachments whose namespace is gone)")
        }
    }

    static func staleVethFindings(_ s: NodeSnapshot) -> [Finding] {
        let tombstone = AttachmentAlias.tombstone(network: s.network)
        var found: [Finding] = []
        for link in s.links where link.kind == "veth" {
            guard let alias = link.alias else { continue }
            if alias == tombstone {
                found.append(Finding(
                    check: "veth-stale", network: s.network, object: link.name,
                    problem: "host veth \(link.name) was retired by a DEL but never deleted",
                    evidence: "link \(link.name) has alias \"\(alias)\"",
                    fix: "cnictl gc \(s.network), or ip link del \(link.name)"))
                continue
            }
            guard let owner = AttachmentAlias.attachment(of: alias, network: s.network),
                !s.pods.contains(where: { $0.containerID == owner.containerID && $0.ifName == owner.ifName })
            else { continue }
            found.append(Finding(
                check: "veth-stale", network: s.network, object: link.name,
                problem: "host veth \(link.name) belongs to attachment \(owner.containerID)/\(owner.ifName), which has no cached result",
                evidence: "link \(link.name) has alias \"\(alias)\"; no result-cache entry \(s.network)-\(owner.containerID)-\(owner.ifName)",
                fix: "cnictl gc \(s.network) (deletes host veths of attachments not valid), or ip link del \(link.name)"))
        }
        return found
    }
}
