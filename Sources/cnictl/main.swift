#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// A plugin that exits without reading its stdin must not kill us with SIGPIPE; the failed
// write is ignored and the plugin's exit status tells what happened.
signal(SIGPIPE, SIG_IGN)
CNICtl.main()
