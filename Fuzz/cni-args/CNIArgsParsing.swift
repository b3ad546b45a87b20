// Fuzz target `cni-args`: parsing of the CNI_ARGS environment variable.
//
// Any text either is rejected with code 4 or yields KEY=VALUE pairs with a non-empty key and
// no `;` or `=` in either part; writing the pairs back and parsing again gives the same pairs,
// and a lookup returns the value of the last occurrence of the key.
import CNISpec

func fuzzOne(_ input: [UInt8]) {
    let value = text(input)
    let args: CNIArgs
    do {
        args = try CNIArgs(parsing: value)
    } catch {
        fuzzCheck(error.code == .invalidEnvironment, "CNI_ARGS error with code \(error.code), expected 4")
        fuzzCheck(!error.msg.isEmpty, "CNI_ARGS error without a message")
        return
    }
    for pair in args.pairs {
        fuzzCheck(!pair.key.isEmpty, "empty key accepted from \(value.debugDescription)")
        for part in [pair.key, pair.value] {
            fuzzCheck(!part.contains(";") && !part.contains("="), "separator inside a pair: \(part.debugDescription)")
        }
        fuzzCheck(args[pair.key] == args.pairs.last { $0.key == pair.key }?.value, "lookup is not the last occurrence")
    }
    let written = args.pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    do {
        let again = try CNIArgs(parsing: written)
        fuzzCheck(again == args, "re-parsed CNI_ARGS differ: \(written.debugDescription)")
    } catch {
        fuzzFail("written CNI_ARGS do not parse: \(written.debugDescription): \(error)")
    }
}
