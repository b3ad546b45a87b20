import Testing

@testable import NFTables

@Suite("nftables error text")
struct ErrorTextTests {
    @Test func stripsTheJSONLocationAndQuotesTheFailingCommand() throws {
        var transaction = NFTablesTransaction()
        transaction.add(NFTTable(.inet, "swcni_x"))
        transaction.add(NFTTable(.inet, "swcni_y"))
        let raw = "internal:0:0-0: Error: Invalid LHS of relational.\n\ninternal:0:0-0: Error: Parsing command array at index 1 failed.\n"
        let text = NFTablesContext.errorText(raw, document: transaction.document)
        #expect(
            text == #"Error: Invalid LHS of relational.; Error: Parsing command array at index 1 failed.; failing command: {"add":{"table":{"family":"inet","name":"swcni_y"}}}"#)
        #expect(NFTablesContext.errorText("", document: transaction.document) == "libnftables reported a failure without a message")
    }

    @Test func mapsToCNIErrors() {
        let failed = NFTablesError(kind: .commandFailed, operation: "apply", reason: "Error: Could not process rule: No such file or directory", command: "{}")
        #expect(failed.isNotFound)
        #expect(failed.cniError.code == .internalError)
        #expect(failed.cniError.details.contains("Could not process rule"))
        let missing = NFTablesError(kind: .libraryUnavailable, operation: "load", reason: "libnftables.so.1: cannot open shared object file")
        #expect(missing.cniError.details.contains("libnftables1"))
        let long = NFTablesError(kind: .commandFailed, operation: "apply", reason: "x", command: String(repeating: "a", count: 5000))
        #expect(long.description.utf8.count < 2300)
    }
}
