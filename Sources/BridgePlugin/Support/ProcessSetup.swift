import CLinux

extension BridgePlugin {
    /// Process-wide settings for the bridge executable, before anything runs: one malloc
    /// arena for all threads (an ADD runs its IPAM, namespace and nftables steps on
    /// short-lived threads; each would otherwise map and fault in an arena of its own).
    public static func prepareProcess() {
        _ = swcni_single_malloc_arena()
    }
}
