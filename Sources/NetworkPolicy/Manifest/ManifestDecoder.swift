import JSONSupport

/// The objects found in manifests.
public struct ManifestObjects: Sendable, Equatable {
    public var namespaces: [Namespace] = []
    public var pods: [Pod] = []
    public var policies: [NetworkPolicy] = []

    public init() {}

    public mutating func append(_ other: ManifestObjects) {
        namespaces += other.namespaces
        pods += other.pods
        policies += other.policies
    }

    public var clusterState: ClusterState { ClusterState(namespaces: namespaces, pods: pods, policies: policies) }
}

/// Decodes Kubernetes objects (v1 Namespace, v1 Pod, networking.k8s.io/v1 NetworkPolicy, and
/// `List`/`*List` of them) from parsed JSON (YAML documents are converted to the same JSON
/// values by the caller). Unknown kinds are skipped; malformed known objects are errors.
public struct ManifestDecoder: Sendable {
    public let source: String

    public init(source: String) { self.source = source }

    public func decode(_ value: JSONValue) throws(ManifestError) -> ManifestObjects {
        var objects = ManifestObjects()
        try decode(value, path: "$", into: &objects)
        return objects
    }

    private func fail(_ path: String, _ reason: String) -> ManifestError {
        ManifestError(source: source, path: path, reason: reason)
    }

    private func decode(_ value: JSONValue, path: String, into objects: inout ManifestObjects) throws(ManifestError) {
        if case .null = value { return }
        if case .array(let items) = value {
            for (index, item) in items.enumerated() { try decode(item, path: "\(path)[\(index)]", into: &objects) }
            return
        }
        guard let object = value.objectValue else { throw fail(path, "expected an object, found \(value.typeName)") }
        let kind = object["kind"]?.stringValue ?? ""
        switch kind {
        case "Namespace": objects.namespaces.append(try namespace(object, path: path))
        case "Pod": objects.pods.append(try pod(object, path: path))
        case "NetworkPolicy": objects.policies.append(try policy(object, path: path))
        case _ where kind == "List" || kind.hasSuffix("List"):
            guard case .array(let items)? = object["items"] else { throw fail(path + ".items", "a \(kind) needs an items array") }
            for (index, item) in items.enumerated() { try decode(item, path: "\(path).items[\(index)]", into: &objects) }
        default:
            return
        }
    }

    // MARK: Objects

    private func metadata(_ object: JSONObject, path: String) throws(ManifestError) -> (name: String, namespace: String, labels: Labels) {
        guard let meta = object["metadata"]?.objectValue else { throw fail(path + ".metadata", "missing") }
        guard let name = meta["name"]?.stringValue, !name.isEmpty else { throw fail(path + ".metadata.name", "missing or not a string") }
        let namespace = meta["namespace"]?.stringValue ?? "default"
        return (name, namespace, try labels(meta["labels"], path: path + ".metadata.labels"))
    }

    private func labels(_ value: JSONValue?, path: String) throws(ManifestError) -> Labels {
        guard let value, !value.isNull else { return [:] }
        guard let object = value.objectValue else { throw fail(path, "expected an object of strings") }
        var labels: Labels = [:]
        for (key, entry) in object.members {
            guard let text = entry.stringValue else { throw fail("\(path).\(key)", "label values are strings, found \(entry.typeName)") }
            labels[key] = text
        }
        return labels
    }

    func namespace(_ object: JSONObject, path: String) throws(ManifestError) -> Namespace {
        let meta = try metadata(object, path: path)
        return Namespace(name: meta.name, labels: meta.labels)
    }

    func pod(_ object: JSONObject, path: String) throws(ManifestError) -> Pod {
        let meta = try metadata(object, path: path)
        let spec = object["spec"]?.objectValue ?? JSONObject()
        var ports: [ContainerPort] = []
        for (c, container) in (spec["containers"]?.arrayValue ?? []).enumerated() {
            for (p, entry) in (container.objectValue?["ports"]?.arrayValue ?? []).enumerated() {
                let at = "\(path).spec.containers[\(c)].ports[\(p)]"
                guard let port = entry.objectValue, let number = port["containerPort"]?.intValue else {
                    throw fail(at, "needs an integer containerPort")
                }
                ports.append(ContainerPort(
                    name: port["name"]?.stringValue, port: number,
                    proto: try proto(port["protocol"], path: at + ".protocol")))
            }
        }
        let status = object["status"]?.objectValue ?? JSONObject()
        var ips: [IPAddress] = []
        for (index, entry) in (status["podIPs"]?.arrayValue ?? []).enumerated() {
            guard let text = entry.objectValue?["ip"]?.stringValue, let ip = IPAddress(text) else {
                throw fail("\(path).status.podIPs[\(index)].ip", "not an IP address")
            }
            if !ips.contains(ip) { ips.append(ip) }
        }
        if let text = status["podIP"]?.stringValue, !text.isEmpty {
            guard let ip = IPAddress(text) else { throw fail(path + ".status.podIP", "not an IP address: \(text)") }
            if !ips.contains(ip) { ips.insert(ip, at: 0) }
        }
        // A finished pod's addresses may already belong to another pod.
        if let phase = status["phase"]?.stringValue, phase == "Succeeded" || phase == "Failed" { ips = [] }
        return Pod(
            namespace: meta.namespace, name: meta.name, labels: meta.labels, ips: ips, ports: ports,
            hostNetwork: spec["hostNetwork"]?.boolValue ?? false)
    }

    func policy(_ object: JSONObject, path: String) throws(ManifestError) -> NetworkPolicy {
        let meta = try metadata(object, path: path)
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let podSelector = try selector(spec["podSelector"], path: path + ".spec.podSelector") ?? .everything
        var types: [NetworkPolicy.PolicyType]? = nil
        if let declared = spec["policyTypes"], !declared.isNull {
            guard let list = declared.arrayValue else { throw fail(path + ".spec.policyTypes", "expected an array") }
            var parsed: [NetworkPolicy.PolicyType] = []
            for (index, entry) in list.enumerated() {
                guard let text = entry.stringValue, let type = NetworkPolicy.PolicyType(rawValue: text) else {
                    throw fail("\(path).spec.policyTypes[\(index)]", "expected \"Ingress\" or \"Egress\"")
                }
                parsed.append(type)
            }
            types = parsed
        }
        return NetworkPolicy(
            namespace: meta.namespace, name: meta.name, podSelector: podSelector,
            ingress: try rules(spec["ingress"], peersKey: "from", path: path + ".spec.ingress"),
            egress: try rules(spec["egress"], peersKey: "to", path: path + ".spec.egress"),
            policyTypes: types)
    }

    // MARK: Parts

    private func rules(_ value: JSONValue?, peersKey: String, path: String) throws(ManifestError) -> [PolicyRule] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw fail(path, "expected an array of rules") }
        var result: [PolicyRule] = []
        for (index, entry) in list.enumerated() {
            let at = "\(path)[\(index)]"
            let rule = entry.isNull ? JSONObject() : entry.objectValue
            guard let rule else { throw fail(at, "expected an object") }
            var peers: [PolicyPeer] = []
            for (p, peer) in (rule[peersKey]?.arrayValue ?? []).enumerated() {
                peers.append(try self.peer(peer, path: "\(at).\(peersKey)[\(p)]"))
            }
            var ports: [PolicyPort] = []
            for (p, port) in (rule["ports"]?.arrayValue ?? []).enumerated() {
                ports.append(try self.port(port, path: "\(at).ports[\(p)]"))
            }
            result.append(PolicyRule(peers: peers, ports: ports))
        }
        return result
    }

    private func peer(_ value: JSONValue, path: String) throws(ManifestError) -> PolicyPeer {
        guard let object = value.objectValue else { throw fail(path, "expected an object") }
        let podSelector = try selector(object["podSelector"], path: path + ".podSelector")
        let namespaceSelector = try selector(object["namespaceSelector"], path: path + ".namespaceSelector")
        if let block = object["ipBlock"], !block.isNull {
            guard podSelector == nil, namespaceSelector == nil else {
                throw fail(path, "ipBlock cannot be combined with podSelector or namespaceSelector")
            }
            guard let blockObject = block.objectValue, let text = blockObject["cidr"]?.stringValue, let cidr = CIDR(text) else {
                throw fail(path + ".ipBlock.cidr", "missing or not a CIDR")
            }
            var except: [CIDR] = []
            for (index, entry) in (blockObject["except"]?.arrayValue ?? []).enumerated() {
                guard let text = entry.stringValue, let range = CIDR(text) else {
                    throw fail("\(path).ipBlock.except[\(index)]", "not a CIDR")
                }
                guard range.family == cidr.family, cidr.contains(range), range.length > cidr.length || range == cidr else {
                    throw fail("\(path).ipBlock.except[\(index)]", "\(text) is not inside \(cidr)")
                }
                except.append(range)
            }
            return .ipBlock(IPBlock(cidr: cidr, except: except))
        }
        guard podSelector != nil || namespaceSelector != nil else {
            throw fail(path, "a peer needs podSelector, namespaceSelector or ipBlock")
        }
        return .pods(podSelector: podSelector, namespaceSelector: namespaceSelector)
    }

    private func port(_ value: JSONValue, path: String) throws(ManifestError) -> PolicyPort {
        guard let object = value.objectValue else { throw fail(path, "expected an object") }
        let proto = try self.proto(object["protocol"], path: path + ".protocol")
        var port: PolicyPort.Port? = nil
        switch object["port"] {
        case nil, .null?: port = nil
        case .number(let text)?:
            guard let number = Int(text), (1...65535).contains(number) else { throw fail(path + ".port", "\(text) is not a port in 1...65535") }
            port = .number(number)
        case .string(let text)?:
            if let number = Int(text) {
                guard (1...65535).contains(number) else { throw fail(path + ".port", "\(text) is not a port in 1...65535") }
                port = .number(number)
            } else {
                guard !text.isEmpty else { throw fail(path + ".port", "empty port name") }
                port = .named(text)
            }
        case let other?: throw fail(path + ".port", "expected a number or a name, found \(other.typeName)")
        }
        var endPort: Int? = nil
        if let value = object["endPort"], !value.isNull {
            guard let end = value.intValue, (1...65535).contains(end) else { throw fail(path + ".endPort", "not a port in 1...65535") }
            guard case .number(let start)? = port else { throw fail(path + ".endPort", "endPort needs a numeric port") }
            guard end >= start else { throw fail(path + ".endPort", "endPort \(end) is below port \(start)") }
            endPort = end
        }
        return PolicyPort(proto: proto, port: port, endPort: endPort)
    }

    private func proto(_ value: JSONValue?, path: String) throws(ManifestError) -> TransportProtocol {
        guard let value, !value.isNull else { return .tcp }
        guard let text = value.stringValue, let proto = TransportProtocol(rawValue: text) else {
            throw fail(path, "expected TCP, UDP or SCTP")
        }
        return proto
    }

    /// `nil` when absent or null; `{}` is the selector that matches everything.
    private func selector(_ value: JSONValue?, path: String) throws(ManifestError) -> LabelSelector? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw fail(path, "expected an object") }
        let matchLabels = try labels(object["matchLabels"], path: path + ".matchLabels")
        var requirements: [LabelSelector.Requirement] = []
        for (index, entry) in (object["matchExpressions"]?.arrayValue ?? []).enumerated() {
            let at = "\(path).matchExpressions[\(index)]"
            guard let expression = entry.objectValue, let key = expression["key"]?.stringValue else { throw fail(at, "needs a key") }
            guard let opText = expression["operator"]?.stringValue, let op = LabelSelector.Requirement.Operator(rawValue: opText) else {
                throw fail(at + ".operator", "expected In, NotIn, Exists or DoesNotExist")
            }
            var values: [String] = []
            for entry in expression["values"]?.arrayValue ?? [] {
                guard let text = entry.stringValue else { throw fail(at + ".values", "values are strings") }
                values.append(text)
            }
            let needsValues = op == .in || op == .notIn
            if needsValues && values.isEmpty { throw fail(at + ".values", "\(opText) needs values") }
            if !needsValues && !values.isEmpty { throw fail(at + ".values", "\(opText) takes no values") }
            requirements.append(LabelSelector.Requirement(key: key, op: op, values: values))
        }
        return LabelSelector(matchLabels: matchLabels, matchExpressions: requirements)
    }
}
