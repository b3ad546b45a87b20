import Testing

@testable import SystemSupport

@Suite("threads, stable hash, errno text")
struct ThreadAndHashTests {
    @Test func backgroundStepHandsBackItsOutcome() throws {
        struct Failure: Error, Equatable {}
        let value = BackgroundStep<Int, Failure> { .success(6 * 7) }
        let failure = BackgroundStep<Int, Failure> { .failure(Failure()) }
        #expect(try value.join().get() == 42)
        #expect(throws: Failure.self) { try failure.join().get() }
        // A second join returns the same outcome.
        #expect(try value.join().get() == 42)
    }

    @Test func joinableThreadRunsItsBodyBeforeJoinReturns() throws {
        final class Box: @unchecked Sendable { var ran = false }
        let box = Box()
        let thread = try JoinableThread { box.ran = true }
        thread.join()
        #expect(box.ran)
    }

    /// Published FNV-1a test vectors, and the part separator used by nftables attachment keys.
    @Test func fnv1aMatchesTheReferenceVectors() {
        #expect(StableHash.fnv1a64([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
        #expect(StableHash.fnv1a32([UInt8]()) == 0x811c_9dc5)
        #expect(StableHash.fnv1a32(Array("a".utf8)) == 0xe40c_292c)
        #expect(StableHash.fnv1a32(Array("foobar".utf8)) == 0xbf9c_f968)
        #expect(StableHash.fnv1a64(parts: ["ab", "c"]) == StableHash.fnv1a64(Array("ab".utf8) + [0] + Array("c".utf8)))
        #expect(StableHash.fnv1a64(parts: ["ab", "c"]) != StableHash.fnv1a64(parts: ["a", "bc"]))
        #expect(StableHash.hex(UInt32(0xab)) == "000000ab")
        #expect(StableHash.hex(UInt64(0xab)) == "00000000000000ab")
        #expect(StableHash.hex("a") == "af63dc4c8601ec8c")
    }

    @Test func errnoTextNamesTheConstant() {
        #expect(SystemError.describe(2) == "No such file or directory (ENOENT)")
        #expect(SystemError("open", "/x", errno: 13).description == "open /x: Permission denied (EACCES)")
        #expect(SystemError("pthread_create", errno: 11).description.hasPrefix("pthread_create: "))
    }
}
