import Foundation
import Testing

/// Ours and the reference (Debian 1.1.1) side by side on twin node/pod pairs: the same
/// qdiscs with the same token-bucket parameters, the same result shape, and both clean after DEL.
@Suite("bandwidth vs reference", .enabled(if: TestEnvironment.canRunNetNSTests))
struct BandwidthDifferentialTests {
    static let configs = [
        #""ingressRate":50000000,"ingressBurst":1000000"#,
        #""egressRate":50000000,"egressBurst":1000000"#,
        #""ingressRate":1000000,"ingressBurst":20000,"egressRate":123456789,"egressBurst":4000000"#,
        #""runtimeConfig":{"bandwidth":{"ingressRate":8000000,"ingressBurst":80000,"egressRate":9000000,"egressBurst":90000}}"#,
    ]

    @Test(arguments: configs)
    func sameShapingSameCleanup(_ options: String) throws {
        try BandwidthLab.with { (ours) throws in
            try BandwidthLab.with { (theirs) throws in
                let a = try ours.run("ADD", ours.config(options))
                let b = try theirs.run("ADD", theirs.config(options), reference: true)
                #expect(a.status == 0 && b.status == 0, "ours: \(a.summary) reference: \(b.summary)")
                #expect(Self.shape(a.json, ours) == Self.shape(b.json, theirs), "ours: \(a.stdout) reference: \(b.stdout)")
                #expect(try ours.shapingQdiscs(ours.hostVeth) == theirs.shapingQdiscs(theirs.hostVeth))
                #expect(try Self.tbfParameters(ours, ours.hostVeth) == Self.tbfParameters(theirs, theirs.hostVeth))
                let (ourIfbs, theirIfbs) = (try ours.ifbs(), try theirs.ifbs())
                #expect(ourIfbs.count == theirIfbs.count)
                if let x = ourIfbs.first, let y = theirIfbs.first {
                    #expect(try Self.tbfParameters(ours, x) == Self.tbfParameters(theirs, y))
                }
                let checkA = try ours.run("CHECK", ours.config(options))
                #expect(checkA.status == 0, "\(checkA.summary)")
                #expect(try ours.run("DEL", ours.config(options)).status == 0)
                #expect(try theirs.run("DEL", theirs.config(options), reference: true).status == 0)
                #expect(try ours.ifbs().isEmpty && theirs.ifbs().isEmpty)
                #expect(try ours.shapingQdiscs(ours.hostVeth).isEmpty)
            }
        }
    }

    /// Both refuse the reference's invalid inputs.
    @Test(arguments: [#""ingressRate":1000"#, #""egressBurst":1000"#, #""egressRate":1000,"egressBurst":34359738360"#])
    func bothRefuse(_ options: String) throws {
        try BandwidthLab.with { (lab) throws in
            let a = try lab.run("ADD", lab.config(options))
            let b = try lab.run("ADD", lab.config(options), reference: true)
            #expect(a.status != 0 && b.status != 0, "ours: \(a.summary) reference: \(b.summary)")
            #expect(a.code == 7)
            #expect(try lab.ifbs().isEmpty)
        }
    }

    /// rate, burst, limit and the whole option set `tc -j` prints for the tbf on `dev`.
    static func tbfParameters(_ lab: BandwidthLab, _ dev: String) throws -> String {
        guard let options = try lab.tbf(dev) else { return "none" }
        let data = try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The result with lab-specific names replaced (IFB names are hashes of different inputs).
    static func shape(_ json: [String: Any]?, _ lab: BandwidthLab) -> String {
        guard var json else { return "nil" }
        json["interfaces"] = (json["interfaces"] as? [[String: Any]] ?? []).map { iface -> [String: Any] in
            var copy = iface
            if let name = copy["name"] as? String {
                copy["name"] = name == lab.hostVeth ? "HOSTVETH" : name.hasPrefix("bwp") ? "IFB" : name
            }
            if copy["mac"] != nil { copy["mac"] = "MAC" }
            if copy["sandbox"] != nil { copy["sandbox"] = "SANDBOX" }
            return copy
        }
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: lab.podIP, with: "PODIP")
    }
}
