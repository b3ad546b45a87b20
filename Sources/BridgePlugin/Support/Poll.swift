#if canImport(Glibc)
import Glibc
#endif

/// Short polling without fixed sleeps: checks `condition` at once, then after 1, 2, 4, ...
/// milliseconds (capped at 50 ms per wait) until `timeoutMilliseconds` have passed.
enum Poll {
    static func until(timeoutMilliseconds: Int, _ condition: () throws -> Bool) rethrows -> Bool {
        if try condition() { return true }
        var waited = 0
        var delay = 1
        while waited < timeoutMilliseconds {
            var ts = timespec(tv_sec: 0, tv_nsec: delay * 1_000_000)
            nanosleep(&ts, nil)
            waited += delay
            delay = min(delay * 2, 50)
            if try condition() { return true }
        }
        return false
    }
}
