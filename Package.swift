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
/// 0.5 ms less CPU per bridge ADD, see docs/bridge.md; a steady-state vxlan ADD runs about
/// 13% fewer instructions under callgrind, 4.72 M to 4.09 M).
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
        .library(name: "PluginRuntime", targets: ["PluginRuntime"]),
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
        // Layers, bottom up: SystemSupport (system calls, no CNI knowledge) → JSONSupport →
        // CNISpec (the specification, pure) → PluginRuntime (the plugin process: dispatcher,
        // entry point, IPAM delegation, build identity). Mechanism libraries (NetNS, Netlink,
        // NFTables) sit on SystemSupport; plugin libraries on top of everything.
        .target(name: "CLinux"),
        // The build identity (an ELF note in every binary; see Sources/CBuildIdentity).
        .target(name: "CBuildIdentity"),
        .target(name: "SystemSupport", swiftSettings: pluginSwiftSettings),
        .target(name: "JSONSupport", swiftSettings: pluginSwiftSettings),
        .target(name: "CNISpec", dependencies: ["JSONSupport"], swiftSettings: pluginSwiftSettings),
        .target(
            name: "PluginRuntime", dependencies: ["CBuildIdentity", "CNISpec", "JSONSupport", "NetNS", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(name: "NetNS", dependencies: ["CLinux", "SystemSupport"], swiftSettings: pluginSwiftSettings),
        .target(name: "Netlink", dependencies: ["CMnl", "NetNS", "SystemSupport"], swiftSettings: pluginSwiftSettings),
        .target(name: "LinkControl", dependencies: ["CLinux", "CNISpec", "SystemSupport"]),
        .target(
            name: "HostLocalIPAM", dependencies: ["CNISpec", "JSONSupport", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(name: "LoopbackPlugin", dependencies: ["CNISpec", "LinkControl", "NetNS", "PluginRuntime"]),
        .target(
            name: "HostLocalPlugin", dependencies: ["CNISpec", "HostLocalIPAM", "PluginRuntime"],
            swiftSettings: pluginSwiftSettings),
        .target(name: "CNIRuntime", dependencies: ["CNISpec", "JSONSupport", "SystemSupport"]),
        // The alias on the host end of an attachment's veth: written by bridge, read by doctor.
        .target(name: "AttachmentNaming", swiftSettings: pluginSwiftSettings),
        .target(
            name: "BridgePlugin",
            dependencies: ["AttachmentNaming", "CLinux", "CNISpec", "Netlink", "NetNS", "NFTables", "PluginRuntime", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "NFTables", dependencies: ["CNftables", "CNISpec", "JSONSupport", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        // The vxlan eBPF data path: libbpf (libbpf-dev) and the program's object, compiled
        // from bpf/vxlan_datapath.bpf.c (beside the loader, not built for the host) by
        // scripts/gen-bpf.sh and committed as a C array. include/datapath_layout.h holds the
        // maps' structs, shared by the program and the host side.
        .target(name: "CVxlanDataPath", exclude: ["bpf"], linkerSettings: [.linkedLibrary("bpf")]),
        // The eBPF data path's host side: program load/attach, map layouts, node and pod entries.
        .target(
            name: "VxlanDataPath", dependencies: ["CNISpec", "CVxlanDataPath", "Netlink", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        // BGP routing of the cross-node network: BIRD 2's configuration and control socket.
        .target(name: "BGPRouting", dependencies: ["CNIRuntime", "CNISpec", "Netlink", "SystemSupport"]),
        // The cross-node network of a node: node list, VTEP, peers (plan, diff, programmer),
        // node firewall and lock; used by the vxlan plugin, `cnictl` and `cnictl doctor`.
        .target(
            name: "Overlay",
            dependencies: ["BGPRouting", "CNISpec", "JSONSupport", "Netlink", "NFTables", "PluginRuntime", "SystemSupport", "VxlanDataPath"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "VxlanPlugin",
            dependencies: ["BGPRouting", "CNISpec", "JSONSupport", "Netlink", "NetNS", "Overlay", "PluginRuntime", "SystemSupport", "VxlanDataPath"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "TuningPlugin", dependencies: ["CNISpec", "JSONSupport", "Netlink", "NetNS", "PluginRuntime", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "BandwidthPlugin",
            dependencies: ["CLinux", "CNISpec", "CNIRuntime", "Netlink", "NetNS", "PluginRuntime", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "PortMapPlugin", dependencies: ["CNISpec", "Netlink", "NFTables", "PluginRuntime", "SystemSupport"],
            swiftSettings: pluginSwiftSettings),
        .target(
            name: "FirewallPlugin", dependencies: ["CNISpec", "NFTables", "PluginRuntime"],
            swiftSettings: pluginSwiftSettings),
        .target(name: "NetworkPolicy", dependencies: ["CNISpec", "JSONSupport"]),
        .target(name: "PolicyDataplane", dependencies: ["CNIRuntime", "CNISpec", "JSONSupport", "NetworkPolicy", "NFTables", "SystemSupport"]),
        // `cnictl doctor`: pure checks over a snapshot of the node, and the snapshot's reader.
        .target(
            name: "NodeDoctor",
            dependencies: [
                "AttachmentNaming", "CNIRuntime", "CNISpec", "HostLocalIPAM", "JSONSupport", "Netlink", "NetNS", "NFTables", "Overlay",
                "SystemSupport",
            ]),

        // MARK: Executables (product name = CNI type)
        .executableTarget(
            name: "loopback", dependencies: ["LoopbackPlugin", "PluginRuntime"],
            linkerSettings: staticExecutable),
        .executableTarget(
            name: "host-local", dependencies: ["HostLocalPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: staticExecutable),
        .executableTarget(
            // Runs host-local of the same build in-process (the plugin library knows only the runner).
            name: "bridge", dependencies: ["BridgePlugin", "HostLocalPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "vxlan", dependencies: ["VxlanPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "tuning", dependencies: ["TuningPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "bandwidth", dependencies: ["BandwidthPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "portmap", dependencies: ["PortMapPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "firewall", dependencies: ["FirewallPlugin", "PluginRuntime"], swiftSettings: pluginSwiftSettings,
            linkerSettings: mostlyStaticExecutable),
        .executableTarget(
            name: "cnictl",
            dependencies: [
                "BGPRouting", "CNIRuntime", "CNISpec", "JSONSupport", "SystemSupport", "Overlay", "VxlanDataPath", "Netlink",
                // The build identity (`cnictl --version`, the ELF note).
                "PluginRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "NetworkPolicy", "PolicyDataplane", "NFTables", "NetNS",
                .product(name: "Yams", package: "Yams"), "NodeDoctor",
            ],
            linkerSettings: cnictlExecutable),

        // MARK: Tests
        .testTarget(name: "CNISpecTests", dependencies: ["CNISpec", "JSONSupport", "PluginRuntime"], exclude: ["Golden"]),
        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport"]),
        .testTarget(name: "PluginRuntimeTests", dependencies: ["PluginRuntime", "CNISpec", "JSONSupport", "SystemSupport"]),
        .testTarget(name: "HostLocalIPAMTests", dependencies: ["HostLocalIPAM", "CNISpec", "JSONSupport"]),
        .testTarget(name: "CNIRuntimeTests", dependencies: ["CNIRuntime", "CNISpec", "JSONSupport"]),
        .testTarget(
            name: "IntegrationTests", dependencies: [
                "BGPRouting", "BridgePlugin", "CNISpec", "JSONSupport", "NetNS", "Netlink", "NFTables", "NetworkPolicy", "Overlay",
                "PluginRuntime", "SystemSupport", "VxlanDataPath",
            ]),
        .testTarget(name: "LoopbackPluginTests", dependencies: ["LoopbackPlugin", "LinkControl", "CNISpec", "NetNS"]),
        .testTarget(
            name: "BridgePluginTests", dependencies: ["AttachmentNaming", "BridgePlugin", "CNISpec", "JSONSupport", "Netlink", "NFTables"]),
        .testTarget(name: "TuningPluginTests", dependencies: ["TuningPlugin", "Netlink", "CNISpec", "JSONSupport"]),
        .testTarget(name: "BandwidthPluginTests", dependencies: ["BandwidthPlugin", "Netlink", "CNISpec", "JSONSupport"]),
        .testTarget(name: "NFTablesTests", dependencies: ["NFTables", "CNISpec", "JSONSupport"]),
        .testTarget(name: "BGPRoutingTests", dependencies: ["BGPRouting", "Netlink", "CNISpec", "JSONSupport"]),
        .testTarget(name: "OverlayTests", dependencies: ["Overlay", "Netlink", "NFTables", "CNISpec", "JSONSupport"]),
        .testTarget(name: "VxlanDataPathTests", dependencies: ["VxlanDataPath", "CVxlanDataPath", "Netlink"]),
        .testTarget(
            name: "NodeDoctorTests", dependencies: ["NodeDoctor", "CNISpec", "JSONSupport", "Netlink", "NFTables", "Overlay"]),
        .testTarget(
            name: "NetworkPolicyTests", dependencies: ["NetworkPolicy", "PolicyDataplane", "NFTables", "CNISpec", "JSONSupport"]),
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
