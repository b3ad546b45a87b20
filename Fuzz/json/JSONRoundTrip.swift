// Fuzz target `json`: the JSON parser and serializer.
//
// Any input either fails to parse with a JSONParseError or parses to a value whose compact
// serialization parses back to the same value and serializes to the same bytes (parse →
// serialize → parse is the identity); the indented form parses back to the same value too.
import JSONSupport

func fuzzOne(_ input: [UInt8]) {
    guard let value = try? JSONParser.parse(input) else { return }
    let compact = value.serializedBytes()
    let again: JSONValue
    do {
        again = try JSONParser.parse(compact)
    } catch {
        fuzzFail("serialized JSON does not parse: \(error) in \(text(compact))")
    }
    fuzzCheck(again == value, "parse(serialize(v)) != v for \(text(compact))")
    let compactAgain = again.serializedBytes()
    fuzzCheck(compactAgain == compact, "serialization is not stable: \(text(compact)) then \(text(compactAgain))")
    fuzzCheck(value.serialized() == text(compact), "serialized() and serializedBytes() differ")

    let pretty = value.prettySerialized()
    switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(pretty) }) {
    case .success(let fromPretty):
        fuzzCheck(fromPretty.serializedBytes() == compact, "pretty form parses to a different value: \(pretty)")
    case .failure(let error):
        fuzzFail("pretty-printed JSON does not parse: \(error) in \(pretty)")
    }
}
