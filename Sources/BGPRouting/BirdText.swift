import CNISpec
import SystemSupport

/// Text that goes into BIRD's configuration: symbols (protocol and filter names) and
/// quoted strings. Anything from the configuration is checked or mapped here, so no value
/// can end a string or add a statement.
public enum BirdText {
    /// Refuses text that cannot sit inside a BIRD double-quoted string as it is.
    public static func checkQuotable(_ text: String, field: String) throws(CNIError) {
        if let bad = text.unicodeScalars.first(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) {
            throw CNIError(
                .invalidNetworkConfig, "invalid character in \(field)",
                details: "U+\(String(bad.value, radix: 16, uppercase: true)) cannot be written into BIRD's configuration")
        }
    }

    /// `text` as a BIRD symbol: letters, digits and `_` kept, anything else `_`; when that
    /// changed anything, an 8-hex-digit hash of the original follows, so two names that map
    /// to the same symbol stay apart.
    public static func symbol(_ prefix: String, _ text: String) -> String {
        var mapped = ""
        var changed = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" {
                mapped.unicodeScalars.append(scalar)
            } else {
                mapped.append("_")
                changed = true
            }
        }
        if changed {
            let hash = UInt32(truncatingIfNeeded: StableHash.fnv1a64(Array(text.utf8)))
            let hex = String(hash, radix: 16)
            mapped += "_" + String(repeating: "0", count: 8 - hex.count) + hex
        }
        return prefix + "_" + mapped
    }

    /// An IP address as a BIRD symbol: `.` and `:` become `_` (one-to-one for address text).
    public static func symbol(_ prefix: String, address: String) -> String {
        prefix + "_" + String(address.map { $0 == "." || $0 == ":" ? "_" : $0 })
    }

    /// A double-quoted string (the text must have passed `checkQuotable`).
    public static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
