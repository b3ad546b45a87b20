import CNISpec

/// Finds a network's configuration list in a configuration directory, the way libcni's
/// `LoadNetworkConf` does:
///
/// 1. `*.conflist` files, in byte order of their names: the first whose `name` matches.
/// 2. Otherwise legacy single-plugin `*.conf` / `*.json` files, in the same order, converted
///    to a one-plugin list.
/// 3. For a list (not a converted legacy file) with `loadOnlyInlinedPlugins` false, plugin
///    objects from `<dir>/<name>/*.conf` (byte order) are appended after the inlined ones.
///
/// Unlike libcni, a file that cannot be parsed does not abort the search: it is skipped and
/// named in the "not found" error, so one broken file does not hide every other network.
public enum ConfigLoader {
    public static let listExtensions = [".conflist"]
    public static let singleExtensions = [".conf", ".json"]

    public static func load(network name: String, from directory: String) throws(CNIError) -> NetworkConfigList {
        let entries: [String]
        do {
            entries = try FileSystem.listDirectory(directory)
        } catch {
            throw CNIError(.invalidNetworkConfig, "cannot read configuration directory \(directory)", details: error.details)
        }
        var seen: [String] = []
        var broken: [String] = []

        for file in entries where hasExtension(file, listExtensions) {
            let path = FileSystem.join(directory, file)
            guard FileSystem.isRegularFile(path) else { continue }
            do {
                let list = try NetworkConfigList.parse(try FileSystem.readFile(path), source: path)
                seen.append("\(list.name) (\(file))")
                if list.name == name { return try withSideDirectoryPlugins(list, directory: directory) }
            } catch {
                broken.append("\(file): \(error.description)")
            }
        }
        for file in entries where hasExtension(file, singleExtensions) {
            let path = FileSystem.join(directory, file)
            guard FileSystem.isRegularFile(path) else { continue }
            do {
                let list = try NetworkConfigList.fromSinglePlugin(try FileSystem.readFile(path), source: path)
                seen.append("\(list.name) (\(file))")
                if list.name == name { return list }
            } catch {
                broken.append("\(file): \(error.description)")
            }
        }
        var details = seen.isEmpty ? "no network configurations found" : "found: \(seen.joined(separator: ", "))"
        if !broken.isEmpty { details += "; unreadable: \(broken.joined(separator: "; "))" }
        throw CNIError(.invalidNetworkConfig, "no network named \"\(name)\" in \(directory)", details: details)
    }

    /// Loads one explicitly named file: a list when it has a `plugins` member or a
    /// `.conflist` extension, a legacy single-plugin configuration otherwise.
    public static func load(file path: String) throws(CNIError) -> NetworkConfigList {
        let bytes = try FileSystem.readFile(path)
        let object = try NetworkConfigList.parseObject(bytes, source: path)
        if object["plugins"] != nil || hasExtension(path, listExtensions) {
            let list = try NetworkConfigList.parse(bytes, source: path)
            return try withSideDirectoryPlugins(list, directory: FileSystem.parentDirectory(path))
        }
        return try NetworkConfigList.fromSinglePlugin(bytes, source: path)
    }

    /// Appends `<directory>/<list name>/*.conf` plugin objects unless the list forbids it.
    static func withSideDirectoryPlugins(_ list: NetworkConfigList, directory: String) throws(CNIError) -> NetworkConfigList {
        var list = list
        if !list.loadOnlyInlinedPlugins {
            let side = FileSystem.join(directory.isEmpty ? "." : directory, list.name)
            if FileSystem.isDirectory(side) {
                for file in try FileSystem.listDirectory(side) where hasExtension(file, [".conf"]) {
                    let path = FileSystem.join(side, file)
                    guard FileSystem.isRegularFile(path) else { continue }
                    list.plugins.append(try NetworkConfigList.parsePluginObject(try FileSystem.readFile(path), source: path))
                }
            }
        }
        guard !list.plugins.isEmpty else {
            throw CNIError(
                .invalidNetworkConfig, "network \"\(list.name)\" in \(list.source) has no plugins",
                details: "\"plugins\" is missing or empty and no plugin files were found in <confdir>/\(list.name)/")
        }
        return list
    }

    static func hasExtension(_ file: String, _ extensions: [String]) -> Bool {
        extensions.contains { file.hasSuffix($0) && file.count > $0.count }
    }
}
