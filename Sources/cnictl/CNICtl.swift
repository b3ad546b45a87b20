import PluginRuntime
import ArgumentParser
import CNISpec

/// `cnictl`: drives whole CNI configuration lists against a network namespace, like
/// cnitool, with libcni's request building and result cache.
struct CNICtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnictl",
        abstract: "Run CNI configuration lists (ADD, CHECK, DEL, GC, STATUS) the way a container runtime does.",
        discussion: """
            NETWORK is the "name" of a configuration list found in the configuration directory \
            (*.conflist first, then legacy single-plugin *.conf / *.json, in file-name order), or \
            of the file given with --conf. NETNS is a path such as /run/netns/x or /proc/PID/ns/net, \
            or a bare name meaning /run/netns/NAME.

            Results of ADD are cached in libcni's format under CACHE_DIR/results/ and are used as \
            prevResult by CHECK and DEL. A failed ADD is rolled back (DEL of the failed plugin and \
            all before it). Errors print the CNI error object on stdout, a readable line on \
            stderr, and exit with status 1.

            Environment: NETCONFPATH (--conf-dir), CNI_PATH (--bin-dir), CNI_IFNAME (--ifname), \
            CNI_ARGS (extra --args), CAP_ARGS (--cap-args).
            """,
        // `cnictl --version`: the build identity every binary of the build carries.
        version: BuildIdentity.current,
        subcommands: [
            Add.self, Check.self, Del.self, GC.self, Status.self, ReconcilePeers.self, PolicyCommand.self, BGPCommand.self,
            Doctor.self,
        ])
}
