import ArgumentParser
import CNIRuntime
import CNISpec
import JSONSupport
import SystemSupport

/// How cnictl reports: results and reports on stdout, diagnostics on stderr.
enum Output {
    static func printJSON(_ value: JSONValue) {
        try? FileDescriptorIO.writeFully(1, Array((value.prettySerialized() + "\n").utf8))
    }

    static func info(_ text: String) { Log.line("cnictl: " + text) }

    /// Prints the error object on stdout and a readable line on stderr; returns exit code 1.
    static func fail(_ command: String, _ error: RuntimeError, version: CNIVersion) -> ExitCode {
        try? FileDescriptorIO.writeFully(1, Array((error.json(version: version).serialized() + "\n").utf8))
        Log.line("cnictl \(command): \(error.description)")
        return ExitCode(1)
    }

    static func fail(_ command: String, _ error: CNIError) -> ExitCode {
        fail(command, .runtime(error), version: .current)
    }
}

/// Runs one CNI operation of `command`; its error becomes the cnictl error output (exit 1).
func reporting<T>(_ command: String, version: CNIVersion, _ body: () throws(RuntimeError) -> T) throws(ExitCode) -> T {
    do {
        return try body()
    } catch {
        throw Output.fail(command, error, version: version)
    }
}

/// Loads the list and the attachment, reporting failures the cnictl way.
func prepare(_ command: String, _ network: NetworkOptions) throws(ExitCode) -> NetworkConfigList {
    do {
        return try network.loadList()
    } catch {
        throw Output.fail(command, error)
    }
}

func prepare(_ command: String, _ attachment: AttachmentOptions) throws(ExitCode) -> RuntimeConf {
    do {
        return try attachment.runtimeConf()
    } catch {
        throw Output.fail(command, error)
    }
}
