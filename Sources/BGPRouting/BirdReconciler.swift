import CNISpec

/// Brings BIRD in line with a rendered configuration: the file is rewritten only when its
/// content differs, and only then is BIRD asked to `configure`. A BIRD that is not running
/// is not an error here (it reads the file when it starts; STATUS reports it). A BIRD that
/// refuses the file or does not answer gets the previous file back, so the next reconcile
/// tries again instead of seeing nothing to do.
public struct BirdReconciler: Sendable {
    public struct Outcome: Sendable, Equatable {
        /// The file was rewritten.
        public var changed: Bool
        /// BIRD accepted the new file (`configure`).
        public var reloaded: Bool
        /// Why BIRD was not reloaded although the file changed (it is not running).
        public var notice: String?

        public init(changed: Bool, reloaded: Bool, notice: String? = nil) {
            self.changed = changed
            self.reloaded = reloaded
            self.notice = notice
        }
    }

    public let configPath: String
    public let socketPath: String
    public let timeoutMilliseconds: Int

    public init(routing: RoutingConfig, timeoutMilliseconds: Int = 2000) {
        configPath = routing.birdConfig
        socketPath = routing.birdSocket
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func apply(_ rendered: BirdConfigRenderer.Rendered) throws(CNIError) -> Outcome {
        let wanted = Array(rendered.text.utf8)
        let previous = try BirdConfigFile.read(configPath)
        if previous == wanted { return Outcome(changed: false, reloaded: false) }
        try BirdConfigFile.write(configPath, wanted)
        do {
            let client = try BirdClient(socketPath: socketPath, timeoutMilliseconds: timeoutMilliseconds)
            _ = try client.configure()
            return Outcome(changed: true, reloaded: true)
        } catch let error where error.isNotRunning {
            return Outcome(changed: true, reloaded: false, notice: "BIRD is not running (\(error)); it reads \(configPath) when it starts")
        } catch {
            if let previous { try BirdConfigFile.write(configPath, previous) } else { BirdConfigFile.remove(configPath) }
            if case .refused = error {
                throw CNIError(.internalError, "BIRD refused the configuration written to \(configPath)", details: error.description)
            }
            throw CNIError(.tryAgainLater, "cannot reload BIRD through \(socketPath)", details: error.description)
        }
    }
}
