// Fuzz target `result`: decoding of results (prevResult, IPAM and plugin output) in every
// version's wire format, and their encoding.
//
// The input is parsed as JSON and decoded with each version as the default. A decoded result
// is encoded in every version; an encoding that succeeds must decode again (in that version)
// to a result whose encoding is byte-for-byte the same: after one conversion, converting is
// stable. Failures must be CNI errors with a message (never a trap).
import CNISpec
import JSONSupport

func fuzzOne(_ input: [UInt8]) {
    guard let value = try? JSONParser.parse(input) else { return }
    for defaultVersion in CNIVersion.all {
        let decoded: CNIResult
        do {
            decoded = try CNIResult.parse(value, defaultVersion: defaultVersion, path: "prevResult").result
        } catch {
            fuzzCheck(!error.msg.isEmpty, "result error without a message")
            continue
        }
        for version in CNIVersion.all {
            guard let encoded = try? decoded.json(version: version) else { continue }
            let bytes = encoded.serializedBytes()
            let reparsed: CNIResult
            do {
                let value = try JSONParser.parse(bytes)
                reparsed = try CNIResult.parse(value, defaultVersion: version).result
            } catch {
                fuzzFail("the \(version) encoding of a decoded result does not decode: \(error) in \(text(bytes))")
            }
            do {
                let again = try reparsed.json(version: version).serializedBytes()
                fuzzCheck(again == bytes, "\(version) encoding not stable: \(text(bytes)) then \(text(again))")
            } catch {
                fuzzFail("a result decoded from our own \(version) encoding does not encode: \(error) in \(text(bytes))")
            }
        }
    }
}
