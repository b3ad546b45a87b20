import CNIRuntime
import CNISpec

/// BIRD's configuration file: read, and replaced atomically (`FileSystem.writeAtomically`:
/// temporary file, fsync, rename), so BIRD never reads half a file.
public enum BirdConfigFile {
    /// The file's bytes; nil when it does not exist.
    public static func read(_ path: String) throws(CNIError) -> [UInt8]? {
        guard FileSystem.exists(path) else { return nil }
        return try FileSystem.readFile(path)
    }

    public static func write(_ path: String, _ bytes: [UInt8]) throws(CNIError) {
        let directory = FileSystem.parentDirectory(path)
        if !directory.isEmpty { try FileSystem.makeDirectories(directory, mode: 0o755) }
        try FileSystem.writeAtomically(path, bytes, mode: 0o644)
    }

    public static func remove(_ path: String) { try? FileSystem.removeFile(path) }
}
