import CNISpec
/// A CNI plugin: one callback per command. The dispatcher handles the environment, stdin,
/// version negotiation, output framing and error codes, so callbacks only do the work.
///
/// Callbacks throw `CNIError` (or any `CNIErrorConvertible`) to choose the code reported to
/// the runtime; anything else is reported as 999.
public protocol CNIPlugin {
    /// One line shown when the binary runs without `CNI_COMMAND`.
    var about: String { get }
    /// The exact versions accepted (default: all, 0.1.0 to 1.1.0).
    var supportedVersions: [CNIVersion] { get }
    /// Whether the plugin enters `CNI_NETNS` (default true): the dispatcher then checks that
    /// it names a network namespace before ADD and CHECK. An IPAM plugin that only keeps
    /// records (host-local) says false, as the reference's never opens the path.
    var entersNetNS: Bool { get }

    func add(_ request: CNIRequest) throws -> CNIResult
    func del(_ request: CNIRequest) throws
    func check(_ request: CNIRequest) throws
    /// Default: forwards to the IPAM plugin when one is configured.
    func gc(_ request: CNIRequest) throws
    /// Default: forwards to the IPAM plugin when one is configured.
    func status(_ request: CNIRequest) throws
}

extension CNIPlugin {
    public var supportedVersions: [CNIVersion] { CNIVersion.all }

    public var entersNetNS: Bool { true }

    public func gc(_ request: CNIRequest) throws {
        if request.config.ipamType != nil { try IPAMDelegate.gc(request) }
    }

    public func status(_ request: CNIRequest) throws {
        if request.config.ipamType != nil { try IPAMDelegate.status(request) }
    }
}
