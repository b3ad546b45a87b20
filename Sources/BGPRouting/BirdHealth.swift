
/// What STATUS asks of BIRD: that it runs (its control socket answers) and that every
/// required session of the rendered configuration is Established.
public enum BirdHealth {
    public static func problems(
        sessions: [BirdSession], socketPath: String, timeoutMilliseconds: Int = 2000
    ) -> [String] {
        let protocols: [BirdProtocolStatus]
        do {
            protocols = try BirdClient(socketPath: socketPath, timeoutMilliseconds: timeoutMilliseconds).protocols()
        } catch let error where error.isNotRunning {
            return ["BIRD is not running: no answer on its control socket (\(error))"]
        } catch {
            return ["BIRD's control socket: \(error)"]
        }
        var problems: [String] = []
        for session in sessions where session.required {
            guard let found = protocols.first(where: { $0.name == session.protocolName }) else {
                problems.append("BIRD has no session \(session.protocolName) (\(session.label)): it runs another configuration")
                continue
            }
            if !found.isEstablished {
                let error = found.lastError.map { ", last error: \($0)" } ?? ""
                problems.append(
                    "BGP session \(session.protocolName) to \(session.label) is \(found.bgpState ?? found.state), not Established\(error)")
            }
        }
        return problems
    }
}
