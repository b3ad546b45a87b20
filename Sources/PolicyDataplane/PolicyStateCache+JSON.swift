import NetworkPolicy
import JSONSupport

/// The compact JSON form of `PolicyStateCache` (positional arrays, selectors stored once,
/// policies as groups): ~20 KB for the benchmark's 5000 policies and 110 pods.
extension PolicyStateCache {
    public var json: JSONValue {
        func str(_ text: String) -> JSONValue { .string(text) }
        func num(_ value: Int) -> JSONValue { .number(String(value)) }
        return .object(JSONObject([
            ("layout", str(layoutMarker)),
            ("namespaces", .array(namespaces.keys.sorted().map { .array([str($0), Self.labelsJSON(namespaces[$0]!)]) })),
            ("selectors", .array(selectors.map(Self.selectorJSON))),
            // [namespace, selector, 1 ingress + 2 egress, policies]
            ("groups", .array(groups.map { .array([str($0.namespace), num($0.podSelector), num(($0.ingress ? 1 : 0) + ($0.egress ? 2 : 0)), num($0.policies)]) })),
            ("peerSets", .array(peerSets.map { set in
                .array([str(set.name), str(set.policyNamespace), .array(set.peers.map { .array([num($0.podSelector ?? -1), num($0.namespaceSelector ?? -1)]) })])
            })),
            ("namedPorts", .array(namedPorts.map(str))),
            ("families", .array([IPAddress.Family.ipv4, .ipv6].filter(families.contains).map { str($0 == .ipv4 ? "ipv4" : "ipv6") })),
            ("chains", .array(chains.keys.sorted().map { .array([str($0), str(chains[$0]!.name), num(chains[$0]!.pods)]) })),
        ]))
    }

    /// Decodes `json`; nil when anything is missing or malformed (the caller compiles in full).
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let layout = object["layout"]?.stringValue,
            let namespaceItems = object["namespaces"]?.arrayValue, let selectorItems = object["selectors"]?.arrayValue,
            let groupItems = object["groups"]?.arrayValue, let setItems = object["peerSets"]?.arrayValue,
            let portItems = object["namedPorts"]?.arrayValue, let familyItems = object["families"]?.arrayValue,
            let chainItems = object["chains"]?.arrayValue
        else { return nil }
        var namespaces: [String: Labels] = [:]
        for item in namespaceItems {
            guard let pair = item.arrayValue, pair.count == 2, let name = pair[0].stringValue, let labels = Self.labels(pair[1]) else { return nil }
            namespaces[name] = labels
        }
        var selectors: [LabelSelector] = []
        for item in selectorItems {
            guard let selector = Self.selector(item) else { return nil }
            selectors.append(selector)
        }
        func selectorIndex(_ value: JSONValue) -> Int?? {
            guard let index = value.intValue, index >= -1, index < selectors.count else { return nil }
            return .some(index == -1 ? nil : index)
        }
        var groups: [PolicyGroup] = []
        for item in groupItems {
            guard let fields = item.arrayValue, fields.count == 4, let namespace = fields[0].stringValue,
                let selector = fields[1].intValue, selector >= 0, selector < selectors.count, let types = fields[2].intValue,
                let count = fields[3].intValue
            else { return nil }
            groups.append(PolicyGroup(namespace: namespace, podSelector: selector, ingress: types & 1 != 0, egress: types & 2 != 0, policies: count))
        }
        var peerSets: [PeerSet] = []
        for item in setItems {
            guard let fields = item.arrayValue, fields.count == 3, let name = fields[0].stringValue,
                let namespace = fields[1].stringValue, let peerItems = fields[2].arrayValue
            else { return nil }
            var peers: [SelectorPeer] = []
            for peer in peerItems {
                guard let pair = peer.arrayValue, pair.count == 2, let pods = selectorIndex(pair[0]), let spaces = selectorIndex(pair[1]) else { return nil }
                peers.append(SelectorPeer(podSelector: pods, namespaceSelector: spaces))
            }
            peerSets.append(PeerSet(name: name, policyNamespace: namespace, peers: peers))
        }
        var namedPorts: [String] = []
        for item in portItems {
            guard let name = item.stringValue else { return nil }
            namedPorts.append(name)
        }
        var families: Set<IPAddress.Family> = []
        for item in familyItems {
            switch item.stringValue {
            case "ipv4": families.insert(.ipv4)
            case "ipv6": families.insert(.ipv6)
            default: return nil
            }
        }
        var chains: [String: Chain] = [:]
        for item in chainItems {
            guard let fields = item.arrayValue, fields.count == 3, let key = fields[0].stringValue,
                let name = fields[1].stringValue, let pods = fields[2].intValue
            else { return nil }
            chains[key] = Chain(name: name, pods: pods)
        }
        self.init(
            layoutMarker: layout, namespaces: namespaces, selectors: selectors, groups: groups, peerSets: peerSets,
            namedPorts: namedPorts, families: families, chains: chains)
    }

    public static func labelsJSON(_ labels: Labels) -> JSONValue {
        .object(JSONObject(labels.keys.sorted().map { ($0, .string(labels[$0]!)) }))
    }

    public static func labels(_ value: JSONValue) -> Labels? {
        guard let object = value.objectValue else { return nil }
        var labels: Labels = [:]
        for (key, value) in object.members {
            guard let text = value.stringValue else { return nil }
            labels[key] = text
        }
        return labels
    }

    /// `[{matchLabels}, [[key, operator, [values]]...]]`
    static func selectorJSON(_ selector: LabelSelector) -> JSONValue {
        var labels: Labels = [:]
        for (key, value) in selector.matchLabels { labels[key] = value }
        return .array([
            labelsJSON(labels),
            .array(selector.matchExpressions.map { .array([.string($0.key), .string($0.op.rawValue), .array($0.values.map { .string($0) })]) }),
        ])
    }

    static func selector(_ value: JSONValue) -> LabelSelector? {
        guard let parts = value.arrayValue, parts.count == 2, let labels = labels(parts[0]), let expressions = parts[1].arrayValue else { return nil }
        var requirements: [LabelSelector.Requirement] = []
        for expression in expressions {
            guard let fields = expression.arrayValue, fields.count == 3, let key = fields[0].stringValue,
                let op = fields[1].stringValue.flatMap(LabelSelector.Requirement.Operator.init(rawValue:)), let values = fields[2].arrayValue
            else { return nil }
            var texts: [String] = []
            for value in values {
                guard let text = value.stringValue else { return nil }
                texts.append(text)
            }
            requirements.append(LabelSelector.Requirement(key: key, op: op, values: texts))
        }
        return LabelSelector(matchLabels: labels, matchExpressions: requirements)
    }
}
