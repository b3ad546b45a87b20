import NetworkPolicy

extension PolicyProgram {
    /// Follows a new connection through the compiled state the way the dataplane does: the
    /// source's egress chain (if any), then the destination's ingress chain (if any).
    public func trace(_ connection: Connection) -> PolicyVerdict {
        PolicyVerdict(
            egress: run(egressDispatch[connection.source], peer: connection.destination, connection),
            ingress: run(ingressDispatch[connection.destination], peer: connection.source, connection))
    }

    private func run(_ chainName: String?, peer: IPAddress, _ connection: Connection) -> DirectionVerdict {
        guard let chainName, let chain = chains[chainName] else { return .notIsolated }
        for rule in chain.rules where matches(rule, peer: peer, connection) {
            return .allowed(by: rule.ref)
        }
        return .denied(isolatedBy: chain.policies)
    }

    /// The rule of a chain that first matches, for `explain`.
    func matches(_ rule: CompiledRule, peer: IPAddress, _ connection: Connection) -> Bool {
        switch rule.peer {
        case .any: break
        case .podSet(let set): guard addressSets[set]?.contains(peer) == true else { return false }
        case .block(let block): guard block.contains(peer) else { return false }
        }
        switch rule.port {
        case .any: return true
        case .proto(let proto): return proto == connection.proto
        case .ranges(let proto, let ranges): return proto == connection.proto && ranges.contains { $0.contains(connection.port) }
        case .named(let proto, let set, _):
            return proto == connection.proto
                && namedPortSets[set]?.contains(NamedPortElement(ip: connection.destination, proto: proto, port: connection.port)) == true
        }
    }
}
