// Fuzz target `netconf`: decoding of a plugin's network configuration (`NetConf`, with
// prevResult, args and GC attachments) and of network configuration lists as cnictl loads
// them (`NetworkConfigList`, `ConfigLoader.load(file:)`, the per-plugin requests built from
// a list).
//
// Every failure must be a CNI error with a message; every request built from a loaded list
// must be a JSON object that decodes as a `NetConf` with the list's name and version.
import CNIRuntime
import CNISpec
import JSONSupport
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One file per process in a private empty directory, rewritten for each input:
/// `ConfigLoader.load(file:)` reads a path (and looks for `<directory>/<list name>/*.conf`).
let scratchFile: String = {
    var template = Array("/tmp/swift-cni-fuzz-netconf-XXXXXX".utf8CString)
    guard mkdtemp(&template) != nil else { fuzzFail("mkdtemp failed") }
    return String(cString: template) + "/fuzz.conflist"
}()

func fuzzOne(_ input: [UInt8]) {
    guard let value = try? JSONParser.parse(input) else {
        expectError { () throws(CNIError) in _ = try NetworkConfigList.parse(input, source: "fuzz") }
        return
    }
    if case .object(let object) = value {
        decodePluginConfig(input, object)
    }
    var lists: [NetworkConfigList] = []
    expectError { () throws(CNIError) in lists.append(try NetworkConfigList.parse(input, source: "fuzz")) }
    expectError { () throws(CNIError) in lists.append(try NetworkConfigList.fromSinglePlugin(input, source: "fuzz")) }
    expectError { () throws(CNIError) in _ = try NetworkConfigList.parsePluginObject(input, source: "fuzz") }
    // A list name that leaves the directory would make the loader read other directories'
    // *.conf files (as libcni's does): not something to do thousands of times a second.
    let name = value.objectValue?["name"]?.stringValue ?? ""
    if !name.contains("/") && name != "." && name != ".." {
        expectError { () throws(CNIError) in lists.append(try loadFromFile(input)) }
    }
    for list in lists { checkRequests(list) }
}

/// A plugin's own view: NetConf in the configuration's version (or each version when it
/// names none we know), its prevResult, `args.cni` and GC attachments.
func decodePluginConfig(_ bytes: [UInt8], _ object: JSONObject) {
    let named = object["cniVersion"]?.stringValue.flatMap(CNIVersion.init)
    for version in named.map({ [$0] }) ?? CNIVersion.all {
        let config: NetConf
        do {
            config = try NetConf(bytes: bytes, object: object, version: version)
        } catch {
            fuzzCheck(!error.msg.isEmpty, "NetConf error without a message")
            continue
        }
        expectError { () throws(CNIError) in _ = try config.prevResult() }
        expectError { () throws(CNIError) in _ = try config.validAttachments() }
        expectError { () throws(CNIError) in _ = try config.argsCNIStrings("ips") }
        expectError { () throws(CNIError) in _ = try config.argsCNIString("mac") }
        _ = config.ipamType
    }
}

func loadFromFile(_ bytes: [UInt8]) throws(CNIError) -> NetworkConfigList {
    let fd = open(scratchFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    fuzzCheck(fd >= 0, "cannot create \(scratchFile)")
    defer {
        close(fd)
        unlink(scratchFile)
    }
    do {
        try FileDescriptorIO.writeFully(fd, bytes)
    } catch {
        fuzzFail("cannot write \(scratchFile): \(error)")
    }
    return try ConfigLoader.load(file: scratchFile)
}

/// The stdin each plugin of a loaded list would get must be a NetConf of the list.
func checkRequests(_ list: NetworkConfigList) {
    fuzzCheck(!list.name.isEmpty, "a list without a name was accepted")
    let capabilityArgs = JSONObject([("portMappings", .array([])), ("mac", .string("0a:58:0a:f4:00:05"))])
    for plugin in list.plugins {
        let requests = [
            RequestBuilder.pluginRequest(plugin: plugin, list: list, prevResult: nil, capabilityArgs: capabilityArgs),
            RequestBuilder.gcRequest(plugin: plugin, list: list, validAttachments: [CNIAttachment(containerID: "c", ifname: "eth0")]),
            RequestBuilder.statusRequest(plugin: plugin, list: list),
        ]
        for request in requests {
            let bytes = JSONValue.object(request).serializedBytes()
            guard case .object(let object)? = try? JSONParser.parse(bytes) else {
                fuzzFail("a built request is not a JSON object: \(text(bytes))")
            }
            fuzzCheck(object["name"]?.stringValue == list.name, "request name differs from the list's")
            fuzzCheck(object["cniVersion"]?.stringValue == list.cniVersion.description, "request version differs from the list's")
            expectError { () throws(CNIError) in
                let config = try NetConf(bytes: bytes, object: object, version: list.cniVersion)
                _ = try config.validAttachments()
            }
        }
    }
}

/// Runs `body`; a thrown CNI error must carry a message.
func expectError(_ body: () throws(CNIError) -> Void) {
    do {
        try body()
    } catch {
        fuzzCheck(!error.msg.isEmpty, "CNI error with code \(error.code) and no message")
    }
}
