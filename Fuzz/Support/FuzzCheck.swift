// Property checks of the fuzz targets: a violated property is a finding, so it aborts the
// process (libFuzzer then saves the input as a crash-* file) after saying what was violated.
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Aborts with `message` on stderr when `condition` is false.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if condition() { return }
    fuzzFail(message())
}

func fuzzFail(_ message: String) -> Never {
    Log.line("FUZZ PROPERTY VIOLATED: \(message)\n")
    abort()
}

/// The input split at its first NUL byte (a two-part input: e.g. environment + stdin);
/// without a NUL the first part is empty and the whole input is the second.
func splitAtNUL(_ bytes: [UInt8]) -> (head: [UInt8], tail: [UInt8]) {
    guard let nul = bytes.firstIndex(of: 0) else { return ([], bytes) }
    return (Array(bytes[..<nul]), Array(bytes[(nul + 1)...]))
}

/// Lossy UTF-8 text of `bytes` (what a process sees of an environment variable's value).
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
