import CNIRuntime

/// The IFB device of an attachment: `bwp` + the first 12 hexadecimal digits of the SHA-512
/// of network name, container ID and interface name (15 bytes, the kernel's limit).
///
/// The reference hashes network name and container ID only, so two interfaces of one
/// container on one network would need the same device; adding the interface name keeps
/// them apart. Deterministic, so DEL finds the device without `prevResult` or namespace.
public enum IfbName {
    public static let prefix = "bwp"

    public static func make(network: String, containerID: String, ifName: String) -> String {
        let digest = SHA512.hash(Array("\(network)\(containerID)/\(ifName)".utf8))
        let digits = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        for byte in digest.prefix(6) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The alias written on the IFB, naming its attachment for GC:
    /// `swcni-bandwidth:<network>/<containerID>/<ifname>`.
    public static func alias(network: String, containerID: String, ifName: String) -> String {
        "\(aliasPrefix(network: network))\(containerID)/\(ifName)"
    }

    public static func aliasPrefix(network: String) -> String { "swcni-bandwidth:\(network)/" }
}
