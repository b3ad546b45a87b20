import CNISpec

extension ConfigLoader {
    /// The names of the networks a directory defines, each once, in the order `load` searches
    /// (lists, then legacy single-plugin files, each by file name). Unreadable files are skipped.
    public static func networkNames(in directory: String) throws(CNIError) -> [String] {
        let entries: [String]
        do {
            entries = try FileSystem.listDirectory(directory)
        } catch {
            throw CNIError(.invalidNetworkConfig, "cannot read configuration directory \(directory)", details: error.details)
        }
        var names: [String] = []
        for lists in [true, false] {
            for file in entries where hasExtension(file, lists ? listExtensions : singleExtensions) {
                let path = FileSystem.join(directory, file)
                guard FileSystem.isRegularFile(path), let bytes = try? FileSystem.readFile(path) else { continue }
                let list = lists
                    ? try? NetworkConfigList.parse(bytes, source: path) : try? NetworkConfigList.fromSinglePlugin(bytes, source: path)
                if let name = list?.name, !names.contains(name) { names.append(name) }
            }
        }
        return names
    }
}
