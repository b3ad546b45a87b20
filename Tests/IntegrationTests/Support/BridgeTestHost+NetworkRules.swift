import Foundation
import Testing

extension BridgeTestHost {
    /// After the network's last DEL: no rule of any attachment is left (no attachment tag,
    /// no masquerade, no spoof check, no spoof table) and the only rules left are the
    /// network's forward accepts of its bridge, which persist with the bridge (GC with no
    /// valid attachment removes them; `BridgeGCTests`).
    func expectOnlyNetworkForwardAccepts(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rules = try ruleset()
        #expect(!rules.contains(" a="), "no attachment-tagged rule or chain is left:\n\(rules)", sourceLocation: sourceLocation)
        #expect(!rules.contains("masquerade"), "\(rules)", sourceLocation: sourceLocation)
        #expect(!rules.contains("swcni_spoof"), "\(rules)", sourceLocation: sourceLocation)
        let ruleLines = rules.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.contains("comment \"swcni") }
        let allowed: Set<String> = ["iifname \"\(bridge)\" accept", "oifname \"\(bridge)\" accept"]
        for line in ruleLines {
            let body = line.components(separatedBy: " comment ").first ?? line
            #expect(allowed.contains(body), "only the bridge's forward accepts are left, not: \(line)", sourceLocation: sourceLocation)
        }
        let memberships = rules.split(separator: "\n").filter { $0.contains("chain m-") }
        #expect(memberships.count <= 1, "at most the network's own membership chain is left:\n\(rules)", sourceLocation: sourceLocation)
    }
}
