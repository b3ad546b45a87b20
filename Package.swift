// swift-tools-version:6.0
//
// swift-cni: CNI plugins for Linux nodes, in Swift.
//
// Plugin executables are named exactly as the CNI `type` they implement and are thin
// `main.swift` files over library targets. Plugins do not link Foundation: process
// start-up is part of every ADD and DEL, and a statically linked binary without
// Foundation starts several times faster than one that loads it (see README).

import PackageDescription

/// Plugins that need no dynamic C library are linked as fully static executables in
/// release builds (glibc static, no dynamic loader at start-up).
let staticExecutable: [LinkerSetting] = [
    .unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release))
]

/// Plugins that link a dynamic C library (libmnl, libnftables; Debian ships no static
/// archives of them) are linked with everything else static in release builds: the Swift
/// runtime (`--static-swift-stdlib`), libstdc++ (through the linker script in
/// build-support/static-libstdcxx) and libgcc, and not position-independent. Only glibc and
/// the C libraries themselves are loaded at start-up. `-z now`: the ~250 PLT slots are bound
/// once at start-up instead of each through the lazy-binding trampoline on its first call
/// (measured: ~0.5 ms less CPU per bridge ADD, see docs/bridge.md).
let mostlyStaticExecutable: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-L", Context.packageDirectory + "/build-support/static-libstdcxx",
            "-Xclang-linker", "-no-pie", "-Xclang-linker", "-static-libgcc",
            "-Xlinker", "-z", "-Xlinker", "now",
            // The Swift driver links with -export-dynamic (static-stdlib-args.lnk), which puts
            // every public symbol of our modules into the dynamic symbol table (~2,700 in the
            // bridge, ~0.2 MB) and keeps each of them, used or not, through --gc-sections.
            // Nothing resolves symbols of the executable at run time (the C libraries we load
            // do not call back by name).
            "-Xlinker", "--no-export-dynamic",
        ], .when(platforms: [.linux], configuration: .release))
]

/// Plugin code in release builds reaches generic type metadata through accessor functions
/// instead of mangled type names that the runtime demangles on first use (measured: about
/// 0.5 ms less CPU per bridge ADD, see docs/bridge.md).
let pluginSwiftSettings: [SwiftSetting] = [
    .unsafeFlags(
        ["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release))
]

/// cnictl (Foundation, linked statically like the Swift runtime) in release builds: not
/// position-independent, which drops ~1.9 MB of relative relocations (`.rela.dyn`) the loader
/// would apply at every start, and without the driver's -export-dynamic (~0.5 MB of dynamic
/// symbols; see mostlyStaticExecutable).
let cnictlExecutable: [LinkerSetting] = [
    .unsafeFlags(
        ["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "swift-cni",
    products: [
        .executable(name: "loopback", targets: ["loopback"]),
        .executable(name: "host-local", targets: ["host-local"]),
        .executable(name: "cnictl", targets: ["cnictl"]),
        .executable(name: "bridge", targets: ["bridge"]),
        .executable(name: "vxlan", targets: ["vxlan"]),
        .executable(name: "tuning", targets: ["tuning"]),
        .executable(name: "bandwidth", targets: ["bandwidth"]),
        .executable(name: "portmap", targets: ["portmap"]),
        .executable(name: "firewall", targets: ["firewall"]),
        .library(name: "CNISpec", targets: ["CNISpec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: System libraries (Debian -dev packages, found through pkg-config)
        .systemLibrary(
            name: "CMnl", pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]),
        // Headers only: NFTables loads libnftables with dlopen() when it must write, so
        // no pkgConfig here (it would add -lnftables to every executable that imports it).
        .systemLibrary(
            name: "CNftables",
            providers: [.apt(["libnftables-dev"])]),

        // MARK: Libraries
        .target(name: "CLinux"),
        // The build identity (an ELF note in every binary; see Sources/CBuildIdentity).
        .target(name: "CBuildIdentity"),
        .target(name: "CNISpec", dependencies: ["CBuildIdentity", "NetNS"], swiftSettings: pluginSwiftSettings),
        .target(name: "NetNS", dependencies: ["CLinux"], swiftSettings: pluginSwiftSettings),
        .target(name: "Netlink", dependencies: ["CMnl", "CNISpec", "NetNS"], swiftSettings: pluginSwiftSettings),
        .target(name: "LinkControl", dependencies: ["CLinux", "CNISpec"]),
        .target(name: "HostLocalIPAM", dependencies: ["CNISpec"], swiftSettings: pluginSwiftSettings),
        .target(name: "LoopbackPlugin", dependencies: ["CNISpec", "LinkControl", "NetNS"]),
        .target(name: "HostLocalPlugin", dependencies: ["CNISpec", "HostLocalIPAM"], swiftSettings: pluginSwiftSettings),
        .target(name: "CNIRuntime", dependencies: ["CNISpec"]),
        .target(
            name: "BridgePlugin", dependencies: ["CLinux", "CNISpec", "HostLocalPlugin", "Netlink", "NetNS", "NFTables"],
            swiftSettings: pluginSwiftSettings),
        .target(name: "NFTables", dependencies: ["CNftables", "CNISpec"], swiftSettings: pluginSwiftSettings),
        // The vxlan eBPF data path: libbpf (libbpf-dev) and the program's object, compiled
        // from bpf/vxlan_datapath.bpf.c by scripts/gen-bpf.sh and committed as a C array.
        .target(name: "CVxlanDataPath", linkerSettings: [.linkedLibrary("bpf")]),
        // BGP routing of the cross-node network: BIRD 2's configuration and control socket.
        .target(name: "BGPRouting", dependencies: ["CNIRuntime", "CNISpec", "Netlink"]),
        .target(name: "VxlanPlugin", dependencies: ["BGPRouting", "CNISpec", "CVxlanDataPath", "Netlink", "NetNS", "NFTables"]),
        .target(name: "TuningPlugin", dependencies: ["CNISpec", "Netlink", "NetNS"], swiftSettings: pluginSwiftSettings),
        .target(
            name: "BandwidthPlugin", dependencies: ["CLinux", "CNISpec", "CNIRuntime", "Netlink", "NetNS"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "PortMapPlugin", dependencies: ["CNISpec", "Netlink", "NFTables"], swiftSettings: pluginSwiftSettings),
        .target(name: "FirewallPlugin", dependencies: ["CNISpec", "NFTables"], swiftSettings: pluginSwiftSettings),
        .target(name: "NetworkPolicy", dependencies: ["CNISpec"]),
        .target(name: "PolicyDataplane", dependencies: ["NetworkPolicy", "NFTables", "CNISpec"]),
        // `cnictl doctor`: pure checks over a snapshot of the node, and the snapshot's reader.
        .target(
            name: "NodeDoctor",
            dependencies: ["BridgePlugin", "CNIRuntime", "CNISpec", "HostLocalIPAM", "Netlink", "NetNS", "NFTables", "VxlanPlugin"]),

        // MARK: Executables (product name = CNI type)
        .executableTarget(
            name: "loopback", dependencies: ["LoopbackPlugin"],
            linkerSettings: staticExecutable),
        .executableTarget(
            name: "host-local", dependencies: ["HostLocalPlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: staticExecutable),
        .executableTarget(
            name: "bridge", dependencies: ["BridgePlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "vxlan", dependencies: ["VxlanPlugin"],
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "tuning", dependencies: ["TuningPlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "bandwidth", dependencies: ["BandwidthPlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "portmap", dependencies: ["PortMapPlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "firewall", dependencies: ["FirewallPlugin"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "cnictl",
            dependencies: [
                "BGPRouting", "CNIRuntime", "CNISpec", "VxlanPlugin", "Netlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "NetworkPolicy", "PolicyDataplane", "NFTables", "NetNS",
                .product(name: "Yams", package: "Yams"), "NodeDoctor",
            ],
            linkerSettings: cnictlExecutable),

        // MARK: Tests
        .testTarget(name: "CNISpecTests", dependencies: ["CNISpec"], exclude: ["Golden"]),
        .testTarget(name: "HostLocalIPAMTests", dependencies: ["HostLocalIPAM", "CNISpec"]),
        .testTarget(name: "CNIRuntimeTests", dependencies: ["CNIRuntime", "CNISpec"]),
        .testTarget(
            name: "IntegrationTests", dependencies: ["BGPRouting", "CNISpec", "NetNS", "Netlink", "NFTables", "NetworkPolicy", "VxlanPlugin"]),
        .testTarget(name: "LoopbackPluginTests", dependencies: ["LoopbackPlugin", "LinkControl", "CNISpec", "NetNS"]),
        .testTarget(name: "BridgePluginTests", dependencies: ["BridgePlugin", "CNISpec"]),
        .testTarget(name: "TuningPluginTests", dependencies: ["TuningPlugin", "Netlink", "CNISpec"]),
        .testTarget(name: "BandwidthPluginTests", dependencies: ["BandwidthPlugin", "Netlink", "CNISpec"]),
        .testTarget(name: "NFTablesTests", dependencies: ["NFTables", "CNISpec"]),
        .testTarget(name: "BGPRoutingTests", dependencies: ["BGPRouting", "Netlink", "CNISpec"]),
        .testTarget(name: "VxlanPluginTests", dependencies: ["VxlanPlugin", "Netlink", "NFTables", "CNISpec"]),
        .testTarget(name: "NodeDoctorTests", dependencies: ["NodeDoctor", "CNISpec", "Netlink", "NFTables", "VxlanPlugin"]),
        .testTarget(name: "NetworkPolicyTests", dependencies: ["NetworkPolicy", "PolicyDataplane", "NFTables", "CNISpec"]),
    ]
)

// MARK: Size of the release binaries

// Swift imports _StringProcessing into every module implicitly, and String algorithms such as
// `contains("...")` and `firstRange(of:)` then come from it: the bridge, vxlan, bandwidth,
// portmap and firewall linked the whole regex engine for them (_StringProcessing and
// _RegexParser: ~0.9 MB of code, plus their metadata and unwind tables). Off except in the
// targets that use `Regex` (tuning's sysctl allowlist, like the reference's Go regexp) and
// cnictl (which links it through Foundation anyway); the two substring searches plugin code
// needs are CNISpec's (Text/SubstringSearch.swift).
let regexUsers: Set<String> = ["TuningPlugin", "tuning", "cnictl"]
let cTargets: Set<String> = ["CLinux", "CBuildIdentity", "CVxlanDataPath"]
for target in package.targets where [.regular, .executable].contains(target.type) && !cTargets.contains(target.name) {
    var settings = target.swiftSettings ?? []
    // A section per function, so that --gc-sections (SwiftPM links release executables with
    // it) drops our unused functions, not only unused object files: ~0.1 MB per plugin.
    settings.append(.unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release)))
    if !regexUsers.contains(target.name) {
        settings.append(.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"]))
    }
    target.swiftSettings = settings
}
