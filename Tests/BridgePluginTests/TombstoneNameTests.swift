import Testing

@testable import BridgePlugin

@Suite("DEL tombstone names")
struct TombstoneNameTests {
    @Test func randomNamesAreValidInterfaceNamesAndRecognised() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let name = Tombstone.randomName()
            #expect(name.utf8.count == 14 && name.utf8.count <= 15, "\(name) fits the kernel's 15 bytes")
            #expect(name.hasPrefix("cnidel"))
            #expect(name.utf8.dropFirst(6).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            #expect(Tombstone.isTombstoneName(name))
            seen.insert(name)
        }
        #expect(seen.count > 190, "random, not fixed")
    }

    @Test func ordinaryNamesAreNotTombstones() {
        for name in ["eth0", "cnidel", "cnidel1234567", "veth0123abcd", "net1"] {
            #expect(!Tombstone.isTombstoneName(name), "\(name)")
        }
    }
}
