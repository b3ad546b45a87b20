import CBuildIdentity
import SystemSupport

/// The identity of the swift-cni build a binary comes from: `"swift-cni <version> <token>"`,
/// compiled once per build into every plugin binary (`Sources/CBuildIdentity`), both
/// in the running program and as an ELF note (owner `swift-cni`, type 1) readable from a
/// file without running it. Two binaries with the same identity come from the same build, so
/// a plugin can run the other's code in-process instead of exec'ing the file (see the
/// bridge's `InProcessIPAM` runner).
public enum BuildIdentity {
    /// The note owner and type.
    public static let noteName = "swift-cni"
    public static let noteType: UInt32 = 1

    /// The identity compiled into the running program.
    public static let current: String = String(cString: swcni_build_identity())

    /// The identity carried by the file at `path`, or nil (not an ELF file, or no such note).
    public static func of(path: String) -> String? {
        guard let notes = ELFNotes.read(path: path) else { return nil }
        guard let note = notes.first(where: { $0.name == noteName && $0.type == noteType }) else { return nil }
        var text = note.descriptor
        while text.last == 0 { text.removeLast() }
        return String(decoding: text, as: UTF8.self)
    }
}
