// Fuzz target `dispatcher`: the plugin dispatcher as a whole (environment + stdin → one
// response), with a stub plugin that touches no kernel.
//
// Input: the environment as `NAME=value` lines, a NUL byte, then stdin. Without a NUL the
// whole input is stdin and the environment is a complete ADD. `FUZZ_STUB` in the
// environment picks what the stub plugin does (see `StubPlugin`).
//
// Properties (the CNI contract for a plugin's output):
// * no CNI_COMMAND: nothing on stdout, exit 0, the about text on stderr;
// * failure: exit status 1 and stdout is exactly one JSON object, newline-terminated, with
//   an integer `code` other than 0, a non-empty string `msg` and a known `cniVersion`;
// * success: ADD prints one JSON object (a result that decodes in its own version), VERSION
//   one object with `cniVersion` and `supportedVersions`, the other commands nothing;
// * the same input gives the same response (deterministic output).
import CNISpec
import JSONSupport
import PluginRuntime

let defaultEnvironment = [
    "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "fuzzcontainer", "CNI_NETNS": "/var/run/netns/fuzz",
    "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin", "CNI_ARGS": "IgnoreUnknown=1",
]

func fuzzOne(_ input: [UInt8]) {
    let environment: [String: String]
    let stdin: [UInt8]
    if input.contains(0) {
        let (head, tail) = splitAtNUL(input)
        environment = parseEnvironment(head)
        stdin = tail
    } else {
        environment = defaultEnvironment
        stdin = input
    }
    let outcome = dispatch(environment, stdin)
    let again = dispatch(environment, stdin)
    fuzzCheck(
        again.stdout == outcome.stdout && again.exitCode == outcome.exitCode && again.stderr == outcome.stderr,
        "two responses to the same input")
    check(outcome, command: environment["CNI_COMMAND"] ?? "")
}

func parseEnvironment(_ bytes: [UInt8]) -> [String: String] {
    var environment: [String: String] = [:]
    for line in bytes.split(separator: 0x0A) {
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
        environment[text(Array(line[..<equals]))] = text(Array(line[(equals + 1)...]))
    }
    return environment
}

func dispatch(_ environment: [String: String], _ stdin: [UInt8]) -> PluginDispatcher.Outcome {
    let stub = StubPlugin(mode: environment["FUZZ_STUB"] ?? "")
    let dispatcher = PluginDispatcher(
        plugin: stub, getenv: { environment[$0] }, readStdin: { () throws(CNIError) in stdin },
        isOwnNetNS: { $0 == "/proc/self/ns/net" })
    return dispatcher.run()
}

func check(_ outcome: PluginDispatcher.Outcome, command: String) {
    if command.isEmpty {
        fuzzCheck(outcome.exitCode == 0 && outcome.stdout.isEmpty, "no CNI_COMMAND: output on stdout or non-zero exit")
        fuzzCheck(!outcome.stderr.isEmpty, "no CNI_COMMAND: no about text")
        return
    }
    fuzzCheck(outcome.stderr.isEmpty, "stderr written for CNI_COMMAND=\(command): \(outcome.stderr)")
    if outcome.exitCode != 0 {
        fuzzCheck(outcome.exitCode == 1, "exit status \(outcome.exitCode)")
        let object = singleObject(outcome.stdout, what: "error")
        guard case .number? = object["code"], let code = object["code"]?.intValue, code != 0 else {
            fuzzFail("error without an integer non-zero code: \(text(outcome.stdout))")
        }
        fuzzCheck(!(object["msg"]?.stringValue ?? "").isEmpty, "error without msg: \(text(outcome.stdout))")
        fuzzCheck(
            object["cniVersion"]?.stringValue.flatMap(CNIVersion.init) != nil,
            "error without a known cniVersion: \(text(outcome.stdout))")
        return
    }
    switch command {
    case "ADD":
        let object = singleObject(outcome.stdout, what: "result")
        guard let version = object["cniVersion"]?.stringValue.flatMap(CNIVersion.init) else {
            fuzzFail("result without a known cniVersion: \(text(outcome.stdout))")
        }
        do {
            _ = try CNIResult.parse(.object(object), defaultVersion: version)
        } catch {
            fuzzFail("the printed result does not decode: \(error) in \(text(outcome.stdout))")
        }
    case "VERSION":
        let object = singleObject(outcome.stdout, what: "version reply")
        fuzzCheck(object["cniVersion"]?.stringValue != nil, "version reply without cniVersion")
        fuzzCheck(object["supportedVersions"]?.arrayValue != nil, "version reply without supportedVersions")
    case "DEL", "CHECK", "GC", "STATUS":
        fuzzCheck(outcome.stdout.isEmpty, "\(command) succeeded with output: \(text(outcome.stdout))")
    default:
        fuzzFail("unknown command \(command) succeeded")
    }
}

/// The whole of stdout as one JSON object followed by a newline.
func singleObject(_ stdout: [UInt8], what: String) -> JSONObject {
    fuzzCheck(stdout.last == 0x0A, "\(what) is not newline-terminated: \(text(stdout))")
    guard case .object(let object)? = try? JSONParser.parse(stdout) else {
        fuzzFail("\(what) on stdout is not exactly one JSON object: \(text(stdout))")
    }
    return object
}
