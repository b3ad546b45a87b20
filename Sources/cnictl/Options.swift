import ArgumentParser
import CNIRuntime
import CNISpec
import JSONSupport

/// Which network list to load and where plugins and the cache live.
struct NetworkOptions: ParsableArguments {
    @Argument(help: "The network name (the \"name\" of the configuration list).")
    var network: String

    @Option(name: .customLong("conf-dir"), help: "Configuration directory (default: $NETCONFPATH or /etc/cni/net.d).")
    var confDir: String?

    @Option(name: .customLong("conf"), help: "Load this configuration file instead of searching the directory.")
    var confFile: String?

    @Option(name: .customLong("bin-dir"), help: "Plugin directories, ':'-separated (default: $CNI_PATH or /opt/cni/bin).")
    var binDir: String?

    @Option(name: .customLong("cache-dir"), help: "Result cache directory.")
    var cacheDir: String = "/var/lib/cni"

    func loadList() throws(CNIError) -> NetworkConfigList {
        let list: NetworkConfigList
        if let confFile {
            list = try ConfigLoader.load(file: confFile)
            guard list.name == network else {
                throw CNIError(
                    .invalidNetworkConfig, "\(confFile) defines network \"\(list.name)\"",
                    details: "the command line asks for network \"\(network)\"")
            }
        } else {
            let dir = confDir ?? nonEmptyEnvironment("NETCONFPATH") ?? "/etc/cni/net.d"
            list = try ConfigLoader.load(network: network, from: dir)
        }
        return list
    }

    var pluginPath: [String] {
        let text = binDir ?? nonEmptyEnvironment("CNI_PATH") ?? "/opt/cni/bin"
        return text.split(separator: ":").map(String.init)
    }

    func runtime() -> NetworkRuntime {
        NetworkRuntime(pluginPath: pluginPath, cacheDirectory: cacheDir)
    }
}

/// The attachment: netns, interface, container ID, CNI_ARGS and capability arguments.
struct AttachmentOptions: ParsableArguments {
    @Argument(help: "Network namespace path, or a name under /run/netns.")
    var netns: String

    @Option(help: "Interface name in the container (default: $CNI_IFNAME or eth0).")
    var ifname: String?

    @Option(
        name: .customLong("container-id"),
        help: "Container ID (default: \"cnictl-\" + hex of the first 10 bytes of SHA-512 of the absolute netns path).")
    var containerID: String?

    @Option(name: .customLong("args"), help: "A CNI_ARGS pair K=V (repeatable; appended to $CNI_ARGS).")
    var args: [String] = []

    @Option(
        name: .customLong("k8s-pod"),
        help: "NAMESPACE/NAME: adds IgnoreUnknown=1, K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID.")
    var k8sPod: String?

    @Option(name: .customLong("ip"), help: "Capability \"ips\": a requested address (repeatable).")
    var ips: [String] = []

    @Option(help: "Capability \"mac\".")
    var mac: String?

    @Option(name: .customLong("port-mapping"), help: "Capability \"portMappings\": [HOSTIP:]HOST:CONTAINER[/tcp|udp|sctp] (repeatable).")
    var portMappings: [String] = []

    @Option(name: .customLong("cap-args"), help: "Capability arguments as a JSON object (default: $CAP_ARGS).")
    var capArgs: String?

    func runtimeConf() throws(CNIError) -> RuntimeConf {
        let path = NetnsPath.resolve(netns, workingDirectory: FileSystem.currentDirectory())
        if path.isEmpty && containerID == nil {
            throw CNIError(.invalidEnvironment, "an empty NETNS needs --container-id", details: "the default container ID is derived from the netns path")
        }
        let id = containerID ?? Identifiers.defaultContainerID(netnsPath: path)
        var pairs: [CNIArgPair] = []
        if let env = nonEmptyEnvironment("CNI_ARGS") {
            pairs += try CNIArgs(parsing: env).pairs.map { CNIArgPair($0.key, $0.value) }
        }
        for item in args {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw CNIError(.invalidEnvironment, "invalid --args \"\(item)\"", details: "expected KEY=VALUE")
            }
            pairs.append(CNIArgPair(String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        if let k8sPod {
            let parts = k8sPod.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CNIError(.invalidEnvironment, "invalid --k8s-pod \"\(k8sPod)\"", details: "expected NAMESPACE/NAME")
            }
            pairs += [
                CNIArgPair("IgnoreUnknown", "1"), CNIArgPair("K8S_POD_NAMESPACE", String(parts[0])),
                CNIArgPair("K8S_POD_NAME", String(parts[1])), CNIArgPair("K8S_POD_INFRA_CONTAINER_ID", id),
            ]
        }
        var json: JSONObject?
        if let capArgs {
            json = try CapabilityArgs.parseJSON(capArgs, source: "--cap-args")
        } else if let env = nonEmptyEnvironment("CAP_ARGS") {
            json = try CapabilityArgs.parseJSON(env, source: "CAP_ARGS")
        }
        let caps = try CapabilityArgs.build(json: json, ips: ips, mac: mac, portMappings: portMappings)
        return RuntimeConf(
            containerID: id, netns: path, ifName: ifname ?? nonEmptyEnvironment("CNI_IFNAME") ?? "eth0",
            args: pairs, capabilityArgs: caps)
    }
}

func nonEmptyEnvironment(_ name: String) -> String? {
    guard let value = FileSystem.environment(name), !value.isEmpty else { return nil }
    return value
}
