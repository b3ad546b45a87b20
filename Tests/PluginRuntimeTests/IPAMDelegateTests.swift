import Testing

@testable import CNISpec
import JSONSupport
import SystemSupport
@testable import PluginRuntime

#if canImport(Glibc)
import Glibc
#endif

/// IPAM delegation with a fake runner (the seam `IPAMDelegate.Runner`): which commands the
/// delegate is run with, whatever runs it (exec or in-process).
@Suite("IPAM delegation")
struct IPAMDelegateTests {
    final class Calls: @unchecked Sendable {
        var commands: [CNICommand] = []
    }

    /// A CNI_PATH directory holding an executable named `fake-ipam`, so `locate` finds it.
    static func pathWithFakeIPAM() throws -> String {
        let dir = "/tmp/swcni-ipam-delegate-\(getpid())"
        mkdir(dir, 0o755)
        let file = "\(dir)/fake-ipam"
        let fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0o755)
        #expect(fd >= 0)
        close(fd)
        return dir
    }

    static func request(path: String) throws -> CNIRequest {
        let bytes = Array(#"{"cniVersion":"1.1.0","name":"n","type":"bridge","ipam":{"type":"fake-ipam"}}"#.utf8)
        let object = try #require(try JSONParser.parse(bytes).objectValue)
        let config = try NetConf(bytes: bytes, object: object, version: .v1_1_0)
        return CNIRequest(
            command: .add, containerID: "c1", netns: "/run/netns/x", ifName: "eth0", args: CNIArgs(), path: [path], config: config)
    }

    /// Spec, delegation: a failed delegate ADD is followed by a delegate DEL before the
    /// failure is returned, with the delegate's own error.
    @Test func failedAddIsFollowedByDel() throws {
        let calls = Calls()
        let runner: IPAMDelegate.Runner = { (_, command, _) throws(CNIError) in
            calls.commands.append(command)
            if command == .add {
                return Subprocess.Outcome(status: 1, stdout: Array(#"{"cniVersion":"1.1.0","code":7,"msg":"range full"}"#.utf8))
            }
            return Subprocess.Outcome(status: 0, stdout: [])
        }
        let request = try Self.request(path: try Self.pathWithFakeIPAM())
        #expect(throws: CNIError.self) { try IPAMDelegate.add(request, runner: runner) }
        #expect(calls.commands == [.add, .del])
        do {
            _ = try IPAMDelegate.add(request, runner: runner)
        } catch {
            #expect(error.code.rawValue == 7)
            #expect(error.msg == "range full")
        }
    }

    @Test func unreadableResultIsFollowedByDel() throws {
        let calls = Calls()
        let runner: IPAMDelegate.Runner = { (_, command, _) throws(CNIError) in
            calls.commands.append(command)
            return Subprocess.Outcome(status: 0, stdout: command == .add ? Array("not json".utf8) : [])
        }
        let request = try Self.request(path: try Self.pathWithFakeIPAM())
        #expect(throws: CNIError.self) { try IPAMDelegate.add(request, runner: runner) }
        #expect(calls.commands == [.add, .del])
    }

    @Test func successfulAddIsNotUndone() throws {
        let calls = Calls()
        let runner: IPAMDelegate.Runner = { (_, command, _) throws(CNIError) in
            calls.commands.append(command)
            return Subprocess.Outcome(status: 0, stdout: Array(#"{"cniVersion":"1.1.0","ips":[{"address":"10.0.0.2/24"}]}"#.utf8))
        }
        let request = try Self.request(path: try Self.pathWithFakeIPAM())
        let result = try IPAMDelegate.add(request, runner: runner)
        #expect(result.ips.count == 1)
        #expect(calls.commands == [.add])
    }

    /// A delegate that cannot be found was never run: there is nothing to DEL.
    @Test func missingDelegateIsNotRun() throws {
        let calls = Calls()
        let runner: IPAMDelegate.Runner = { (_, command, _) throws(CNIError) in
            calls.commands.append(command)
            return Subprocess.Outcome(status: 0, stdout: [])
        }
        let request = try Self.request(path: "/nonexistent-\(getpid())")
        #expect(throws: CNIError.self) { try IPAMDelegate.add(request, runner: runner) }
        #expect(calls.commands.isEmpty)
    }
}
