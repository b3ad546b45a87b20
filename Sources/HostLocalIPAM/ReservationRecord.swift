import CNISpec

/// The content of a reservation file, byte-compatible with the reference:
/// `<containerID>\r\n<ifname>` with no trailing newline. Files written before ifnames were
/// recorded hold only the container id ("legacy" records).
public enum ReservationRecord {
    /// The bytes written for an attachment.
    public static func encode(_ attachment: CNIAttachment) -> [UInt8] {
        Array(attachment.containerID.trimmingSpaces.utf8) + [0x0D, 0x0A] + Array(attachment.ifname.utf8)
    }

    /// What a file's content says about its owner.
    public enum Owner: Sendable, Equatable {
        case attachment(CNIAttachment)
        /// A legacy record: only the container id is known.
        case containerID(String)
    }

    /// Decodes a file's content, trimmed of surrounding white space as the reference does.
    public static func decode(_ bytes: [UInt8]) -> Owner {
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
        let utf8 = Array(text.utf8)
        if let cr = utf8.firstIndex(of: 0x0D), cr + 1 < utf8.count, utf8[cr + 1] == 0x0A {
            let id = String(decoding: utf8[..<cr], as: UTF8.self)
            let ifname = String(decoding: utf8[(cr + 2)...], as: UTF8.self)
            return .attachment(CNIAttachment(containerID: id, ifname: ifname))
        }
        return .containerID(text)
    }

    /// Whether the content is exactly this attachment's record (the reference's first,
    /// exact match: trimmed content equals `id\r\nifname`).
    public static func isExactly(_ bytes: [UInt8], _ attachment: CNIAttachment) -> Bool {
        String(decoding: bytes, as: UTF8.self).trimmingSpaces == String(decoding: encode(attachment), as: UTF8.self)
    }

    /// Whether the content is a legacy id-only record of this container (the reference's
    /// fallback match).
    public static func isLegacy(_ bytes: [UInt8], of containerID: String) -> Bool {
        String(decoding: bytes, as: UTF8.self).trimmingSpaces == containerID.trimmingSpaces
    }
}
