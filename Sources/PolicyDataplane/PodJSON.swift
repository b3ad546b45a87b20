import NetworkPolicy
import JSONSupport

/// Pods as compact JSON in the apply state file:
/// `[namespace, name, {labels}, [ips], [[portName|null, port, protocol]...], hostNetwork]`.
public enum PodJSON {
    public static func encode(_ pod: Pod) -> JSONValue {
        .array([
            .string(pod.namespace), .string(pod.name), PolicyStateCache.labelsJSON(pod.labels),
            .array(pod.ips.map { .string($0.description) }),
            .array(pod.ports.map { .array([$0.name.map(JSONValue.string) ?? .null, .number(String($0.port)), .string($0.proto.rawValue)]) }),
            .bool(pod.hostNetwork),
        ])
    }

    public static func decode(_ value: JSONValue) -> Pod? {
        guard let fields = value.arrayValue, fields.count == 6, let namespace = fields[0].stringValue, let name = fields[1].stringValue,
            let labels = PolicyStateCache.labels(fields[2]), let ipItems = fields[3].arrayValue, let portItems = fields[4].arrayValue,
            let hostNetwork = fields[5].boolValue
        else { return nil }
        var ips: [IPAddress] = []
        for item in ipItems {
            guard let ip = item.stringValue.flatMap(IPAddress.init) else { return nil }
            ips.append(ip)
        }
        var ports: [ContainerPort] = []
        for item in portItems {
            guard let port = item.arrayValue, port.count == 3, let number = port[1].intValue,
                let proto = port[2].stringValue.flatMap(TransportProtocol.init(rawValue:))
            else { return nil }
            ports.append(ContainerPort(name: port[0].stringValue, port: number, proto: proto))
        }
        return Pod(namespace: namespace, name: name, labels: labels, ips: ips, ports: ports, hostNetwork: hostNetwork)
    }
}
