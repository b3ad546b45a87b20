import SystemSupport

/// Diagnostics on stderr (never stdout, which carries the result).
let logger = Log(prefix: "vxlan")
