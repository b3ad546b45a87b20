import CNIRuntime
import CNISpec
import Foundation
import NetworkPolicy
import Yams
import JSONSupport

/// Reads Kubernetes manifests from files and folders: `.json` through CNISpec's parser,
/// `.yaml`/`.yml` (several `---` documents allowed) through Yams. Folders are read in
/// file-name order, not recursively; other files in folders are ignored.
enum ManifestLoader {
    static func load(_ paths: [String]) throws(CNIError) -> ManifestObjects {
        var objects = ManifestObjects()
        for file in try files(paths) { objects.append(try loadFile(file)) }
        return objects
    }

    /// The manifest files `paths` name, in reading order (folders expanded, names sorted).
    static func files(_ paths: [String]) throws(CNIError) -> [String] {
        var files: [String] = []
        for path in paths {
            if FileSystem.isDirectory(path) {
                for name in try FileSystem.listDirectory(path).sorted() where isManifest(name) {
                    files.append(FileSystem.join(path, name))
                }
            } else {
                files.append(path)
            }
        }
        return files
    }

    static func isManifest(_ name: String) -> Bool {
        name.hasSuffix(".json") || name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }

    static func loadFile(_ path: String) throws(CNIError) -> ManifestObjects {
        let bytes = try FileSystem.readFile(path)
        let decoder = ManifestDecoder(source: path)
        do {
            if path.hasSuffix(".json") {
                return try decoder.decode(try JSONParser.parse(bytes))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            var documents: [JSONValue] = []
            for document in try Yams.load_all(yaml: text) {
                documents.append(try YAMLValue.json(document, path: path))
            }
            return try decoder.decode(.array(documents))
        } catch let error as ManifestError {
            throw CNIError(.invalidNetworkConfig, "invalid manifest", details: error.description)
        } catch let error as JSONParseError {
            throw CNIError(.decodingFailure, "cannot parse \(path)", details: error.description)
        } catch {
            throw CNIError(.decodingFailure, "cannot parse \(path)", details: "\(error)")
        }
    }
}
