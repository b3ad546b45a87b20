import Testing

@testable import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite("atomic file write, directories, file lock")
struct FileTests {
    @Test func atomicWriteReplacesTheContentWithTheExactModeAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try AtomicFile.write(path, Array("first".utf8), mode: 0o644)
            // 0666 is what the umask (typically 022) would narrow on open.
            try AtomicFile.write(path, Array("second".utf8), mode: 0o666, sync: false)
            #expect(contents(path) == "second")
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o666)
            #expect(access("\(path).tmp-\(getpid())", F_OK) != 0)
        }
    }

    @Test func atomicWriteIntoAMissingDirectoryNamesTheStepAndErrno() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: SystemError("create", "\(dir)/missing/file.tmp-\(getpid())", errno: ENOENT)) {
                try AtomicFile.write(dir + "/missing/file", [1], mode: 0o600)
            }
        }
    }

    @Test func directoriesAreMadeWithTheirParentsAndExistingOnesAreKept() throws {
        try withTemporaryDirectory { dir in
            try Directories.make(dir + "/a/b/c", mode: 0o755)
            #expect(Directories.isDirectory(dir + "/a/b/c"))
            try Directories.make(dir + "/a/b", mode: 0o700)
            #expect(Directories.isDirectory(dir + "/a/b"))
        }
        #expect(Directories.parent(of: "/run/swift-cni/x.lock") == "/run/swift-cni")
        #expect(Directories.parent(of: "/x") == "/")
        #expect(Directories.parent(of: "x") == "")
        #expect(Directories.parent(of: "/a/b/") == "/a")
    }

    @Test func lockFileAndItsParentsAreCreatedAndTheBodysFailureIsReturned() throws {
        struct BodyFailure: Error, Equatable {}
        try withTemporaryDirectory { dir in
            let path = dir + "/run/swift-cni/test.lock"
            let value = try FileLock.withLock(path: path) { () throws(BodyFailure) -> Int in 7 }
            #expect(try value.get() == 7)
            #expect(access(path, F_OK) == 0)
            let failed = try FileLock.withLock(path: path) { () throws(BodyFailure) -> Int in throw BodyFailure() }
            #expect(throws: BodyFailure.self) { try failed.get() }
        }
    }

    @Test func aHeldLockExcludesAnotherOpenFileDescriptionUntilUnlocked() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/held.lock"
            let first = try FileLock(path: path)
            try first.lock()
            let probe = open(path, O_RDONLY | O_CLOEXEC)
            defer { close(probe) }
            #expect(flock(probe, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
            first.unlock()
            #expect(flock(probe, LOCK_EX | LOCK_NB) == 0)
        }
    }

    @Test func lockRelativeToADirectoryDescriptor() throws {
        try withTemporaryDirectory { dir in
            let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { close(fd) }
            let lock = try FileLock(path: "lock", relativeTo: fd)
            try lock.lock()
            lock.unlock()
            #expect(access(dir + "/lock", F_OK) == 0)
        }
    }
}
