import Testing

@testable import CNISpec
import JSONSupport

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

    /// runtimeConfig as containerd's go-cni writes it (Go structs without JSON tags): the
    /// reference plugins match the members ignoring case, and so does `NetConf.runtimeConfig`.
    @Test func runtimeConfigMembersMatchIgnoringCase() throws {
        let text = #"{"cniVersion":"1.0.0","name":"n","type":"portmap","runtimeConfig":{"portMappings":[{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]}}"#
        let object = try #require(try JSONParser.parse(text).objectValue)
        let conf = try NetConf(bytes: Array(text.utf8), object: object, version: .v1_0_0)
        let mapping = try #require(try conf.runtimeConfig.objects("portMappings")?.first)
        #expect(try mapping.int("hostPort") == 8080 && mapping.int("containerPort") == 80)
        #expect(try mapping.string("protocol") == "tcp" && mapping.string("hostIP") == "")
        #expect(mapping.path == "runtimeConfig.portMappings[0]")
        // The rest of the configuration keeps exact names.
        #expect(!conf.reader.has("NAME"))
        let folding = JSONFieldReader(JSONObject([("ÄB", .bool(true)), ("x", .bool(false)), ("X", .bool(true))]), matchesKeysIgnoringCase: true)
        #expect(folding.has("äb") && !folding.has("ab"))
        #expect(try folding.bool("x") == true, "the last matching member wins")
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONValue.string("a\u{01}b\tc").serialized() == #""a\u0001b\tc""#)
    }
}
