import BGPRouting
import CNISpec
import Foundation
import Netlink
import Testing

/// The control-socket client and the reconcile against real BIRD processes and sockets
/// that misbehave: not there, nobody listening, listening but silent, refusing a file.
@Suite("BIRD control socket", .enabled(if: TestEnvironment.canRunNetNSTests && (BirdProcess.available || TestEnvironment.isCI)))
struct BirdControlSocketTests {
    @Test func absentSocketOrNoListenerMeansNotRunning() throws {
        let dir = try TestEnvironment.makeTempDir("birdsock")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = #expect(throws: BirdControlError.self) { _ = try BirdClient(socketPath: "\(dir)/none.ctl") }
        #expect(missing?.isNotRunning == true, "\(String(describing: missing))")
        // A socket file left behind by a BIRD that died: connection refused.
        let stale = "\(dir)/stale.ctl"
        _ = try Shell.must(["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", stale])
        let refused = #expect(throws: BirdControlError.self) { _ = try BirdClient(socketPath: stale) }
        #expect(refused?.isNotRunning == true, "\(String(describing: refused))")
        #expect(BirdHealth.problems(sessions: [], socketPath: stale).first?.hasPrefix("BIRD is not running") == true)
    }

    @Test func aSilentBirdTimesOutInsteadOfBlocking() throws {
        let dir = try TestEnvironment.makeTempDir("birdsock")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/hung.ctl"
        // Listening (connect succeeds into the backlog), never accepting or answering.
        let hung = Process()
        hung.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        hung.arguments = ["-c", "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); print('up', flush=True); time.sleep(60)", path]
        let out = Pipe()
        hung.standardOutput = out
        try hung.run()
        // SIGKILL: the child inherits this process's blocked signals, SIGTERM among them.
        defer { kill(hung.processIdentifier, SIGKILL); hung.waitUntilExit() }
        _ = out.fileHandleForReading.availableData  // "up": the socket listens
        let start = Date()
        let error = #expect(throws: BirdControlError.self) { _ = try BirdClient(socketPath: path, timeoutMilliseconds: 300) }
        let elapsed = Date().timeIntervalSince(start)
        if case .timeout = error {} else { Issue.record("expected a timeout, got \(String(describing: error))") }
        #expect(elapsed < 1.5, "took \(elapsed) s")
        let problems = BirdHealth.problems(sessions: [], socketPath: path, timeoutMilliseconds: 300)
        #expect(problems.first?.contains("did not answer in time") == true, "\(problems)")
    }

    @Test func reconcileReloadsOnChangeOnlyAndPutsBackARefusedFile() throws {
        let dir = try TestEnvironment.makeTempDir("birdsock")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TestNamespace.with { ns in
            try ns.run(["ip", "link", "set", "lo", "up"])
            let bird = BirdProcess(namespace: ns.name, config: "\(dir)/bird.conf", socket: "\(dir)/bird.ctl", pidFile: "\(dir)/bird.pid")
            defer { bird.stop(signal: SIGKILL) }
            let node = BGPNode(name: "solo", address: InetAddress("127.0.0.1")!, podCIDRs: [InetPrefix("10.244.1.0/24")!])
            let peer = BGPNode(name: "other", address: InetAddress("127.0.0.2")!, podCIDRs: [InetPrefix("10.244.2.0/24")!])
            var routing = RoutingConfig(mode: .bgp)
            routing.birdConfig = bird.config
            routing.birdSocket = bird.socket
            func render(_ nodes: [BGPNode]) throws -> BirdConfigRenderer.Rendered {
                try BirdConfigRenderer(
                    network: "t", routing: routing, selfNode: node, nodes: nodes, clusterCIDRs: [InetPrefix("10.244.0.0/16")!],
                    underlayInterface: "lo"
                ).render()
            }
            let reconciler = BirdReconciler(routing: routing, timeoutMilliseconds: 1000)
            let first = try reconciler.apply(try render([node]))
            #expect(first.changed && !first.reloaded && first.notice?.contains("BIRD is not running") == true)
            try bird.start()
            #expect(try reconciler.apply(try render([node])) == .init(changed: false, reloaded: false, notice: nil))

            let withPeer = try render([node, peer])
            #expect(try reconciler.apply(withPeer) == .init(changed: true, reloaded: true, notice: nil))
            #expect(try bird.command("show protocols").contains("mesh_other"))

            var broken = withPeer
            broken.text += "\nthis is not bird configuration;\n"
            let error = #expect(throws: CNIError.self) { try reconciler.apply(broken) }
            #expect(error?.code == .internalError && error?.msg.contains("BIRD refused") == true, "\(String(describing: error))")
            #expect(try String(contentsOfFile: bird.config, encoding: .utf8) == withPeer.text, "the accepted file is back")
            #expect(try reconciler.apply(withPeer).changed == false)
            #expect(bird.isRunning)
        }
    }
}
