import CNIRuntime
import CNISpec
import Testing
import JSONSupport

@Suite("GC attachment sets")
struct GCPlanTests {
    func entry(_ id: String, _ ifname: String = "eth0", netns: String) -> CacheEntry {
        CacheEntry(
            containerID: id, config: [], ifName: ifname, networkName: "n", netns: netns, cniArgs: [],
            capabilityArgs: JSONObject(), result: nil)
    }

    var cached: [CacheEntry] {
        [entry("b", netns: "/run/netns/gone"), entry("a", netns: "/run/netns/alive"), entry("a", "net1", netns: ""),
         entry("c", netns: "/run/netns/alive2")]
    }

    @Test func explicitValidSetDeletesEverythingElse() {
        let plan = GCPlan.compute(
            cached: cached,
            explicitValid: [CNIAttachment(containerID: "c", ifname: "eth0"), CNIAttachment(containerID: "zz", ifname: "eth0")]
        ) { _ in true }
        #expect(plan.stale.map(\.attachment) == [
            CNIAttachment(containerID: "b", ifname: "eth0"), CNIAttachment(containerID: "a", ifname: "eth0"),
            CNIAttachment(containerID: "a", ifname: "net1"),
        ])
        // The given set is sent as is (sorted), including attachments we have no cache for.
        #expect(plan.valid == [CNIAttachment(containerID: "c", ifname: "eth0"), CNIAttachment(containerID: "zz", ifname: "eth0")])
    }

    @Test func emptyValidSetMeansEverythingIsStale() {
        let plan = GCPlan.compute(cached: cached, explicitValid: []) { _ in true }
        #expect(plan.stale.count == 4)
        #expect(plan.valid.isEmpty)
    }

    @Test func defaultKeepsAttachmentsWhoseNetnsExistsOrIsUnknown() {
        let plan = GCPlan.compute(cached: cached, explicitValid: nil) { $0.hasPrefix("/run/netns/alive") }
        #expect(plan.stale.map(\.containerID) == ["b"])
        #expect(plan.valid == [
            CNIAttachment(containerID: "a", ifname: "eth0"), CNIAttachment(containerID: "a", ifname: "net1"),
            CNIAttachment(containerID: "c", ifname: "eth0"),
        ])
    }

    @Test func attachmentArgument() {
        #expect(GCPlan.parseAttachment("ctr-1/eth0") == CNIAttachment(containerID: "ctr-1", ifname: "eth0"))
        #expect(GCPlan.parseAttachment("ctr") == nil)
        #expect(GCPlan.parseAttachment("/eth0") == nil)
        #expect(GCPlan.parseAttachment("ctr/") == nil)
    }
}
