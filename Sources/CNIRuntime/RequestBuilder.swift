import CNISpec
import JSONSupport

/// Builds the configuration a plugin receives on stdin, as libcni's `buildOneConfig` does.
///
/// Every member of the plugin object is kept in place; `cniVersion` and `name` come from the
/// list (replacing the plugin's own, which is how a list keeps its plugins consistent), new
/// members are appended in a fixed order so requests are deterministic.
public enum RequestBuilder {
    /// ADD / CHECK / DEL request for one plugin.
    ///
    /// - `prevResult`: already in the list's version (see `convertResult`); nil to omit.
    /// - `runtimeConfig`: only capabilities the plugin declares `true` in `capabilities` and
    ///   for which the runtime supplied a value, in the plugin's declaration order. Nothing is
    ///   injected when that is empty (an admin-written `runtimeConfig` then stays, as in libcni).
    public static func pluginRequest(
        plugin: JSONObject, list: NetworkConfigList, prevResult: JSONValue?, capabilityArgs: JSONObject
    ) -> JSONObject {
        var request = injectIdentity(plugin, list)
        if let prevResult { request["prevResult"] = prevResult }
        let runtimeConfig = filteredCapabilities(plugin: plugin, capabilityArgs: capabilityArgs)
        if !runtimeConfig.isEmpty { request["runtimeConfig"] = .object(runtimeConfig) }
        return request
    }

    /// GC request: identity plus the valid attachments under both the spec's key and the
    /// legacy key libcni also sets (containernetworking/cni#1101).
    public static func gcRequest(plugin: JSONObject, list: NetworkConfigList, validAttachments: [CNIAttachment]) -> JSONObject {
        var request = injectIdentity(plugin, list)
        let value = JSONValue.array(
            validAttachments.map { .object(JSONObject([("containerID", .string($0.containerID)), ("ifname", .string($0.ifname))])) })
        request["cni.dev/valid-attachments"] = value
        request["cni.dev/attachments"] = value
        return request
    }

    /// STATUS request: identity only.
    public static func statusRequest(plugin: JSONObject, list: NetworkConfigList) -> JSONObject {
        injectIdentity(plugin, list)
    }

    static func injectIdentity(_ plugin: JSONObject, _ list: NetworkConfigList) -> JSONObject {
        var request = plugin
        request["cniVersion"] = .string(list.cniVersion.description)
        request["name"] = .string(list.name)
        return request
    }

    /// The `runtimeConfig` a plugin gets.
    public static func filteredCapabilities(plugin: JSONObject, capabilityArgs: JSONObject) -> JSONObject {
        var result = JSONObject()
        guard let capabilities = plugin["capabilities"]?.objectValue else { return result }
        for member in capabilities.members where member.value == .bool(true) {
            if result[member.key] == nil, let value = capabilityArgs[member.key] {
                result[member.key] = value
            }
        }
        return result
    }

    /// A plugin's result (or a cached result) converted to `version`, the form in which it is
    /// passed on as `prevResult`. The input's own `cniVersion` selects how it is read; when it
    /// has none, `version` is assumed (libcni's rule).
    public static func convertResult(_ value: JSONValue, to version: CNIVersion, what: String) throws(CNIError) -> JSONValue {
        let parsed = try CNIResult.parse(value, defaultVersion: version, path: what)
        do {
            return try parsed.result.json(version: version)
        } catch {
            throw CNIError(
                error.code, "cannot convert \(what) from CNI version \(parsed.version) to \(version)",
                details: error.details.isEmpty ? error.msg : error.details)
        }
    }
}
