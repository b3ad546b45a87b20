import Testing

@testable import CNISpec

@Suite("JSON")
struct JSONTests {
    @Test func roundTripKeepsOrderAndNumberText() throws {
        let text = #"{"z":1,"a":[true,false,null],"n":-1.5e3,"s":"a\"b\\c\n\u00e9\ud83d\ude00","big":123456789012345678901234567890}"#
        let value = try JSONParser.parse(text)
        #expect(value.serialized() == #"{"z":1,"a":[true,false,null],"n":-1.5e3,"s":"a\"b\\c\né😀","big":123456789012345678901234567890}"#)
        #expect(value.objectValue?.keys == ["z", "a", "n", "s", "big"])
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.", "-", "tru", "\"abc", "{\"a\":1}x", "\"\\x\"",
        "\"\\ud800\"", "{'a':1}", "[1 2]", "\"a\u{01}\"",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func lastDuplicateKeyWins() throws {
        let object = try #require(try JSONParser.parse(#"{"a":1,"a":2}"#).objectValue)
        #expect(object["a"] == .number("2"))
    }

    @Test func fieldReaderNamesThePathOnTypeErrors() throws {
        let object = try #require(try JSONParser.parse(#"{"ipam":{"ranges":5}}"#).objectValue)
        let ipam = try #require(try JSONFieldReader(object).object("ipam"))
        do {
            _ = try ipam.array("ranges")
            Issue.record("expected a type error")
        } catch {
            #expect(error.code == .decodingFailure)
            #expect(error.msg.contains("ipam.ranges"))
        }
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONValue.string("a\u{01}b\tc").serialized() == #""a\u0001b\tc""#)
    }
}
