import CNISpec

/// The rules for a network interface name the plugin gives the kernel (see
/// `CNIValidation.interfaceNameProblem`).
public enum InterfaceNameRule {
    /// Nil when `name` is valid, else what is wrong with it.
    public static func problem(_ name: String) -> String? {
        CNIValidation.interfaceNameProblem(name)?.summary
    }
}
