import Foundation

enum Golden {
    /// Reads a golden file next to this source file, without a trailing newline.
    static func load(_ name: String, file: String = #filePath) throws -> String {
        let dir = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Golden")
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
}
