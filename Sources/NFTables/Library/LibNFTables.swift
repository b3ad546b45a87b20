import CNftables
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libnftables, loaded with `dlopen()` on first use.
///
/// Linking libnftables costs every exec of a plugin about 0.45 ms of dynamic loading
/// (libnftables, libnftnl, libmnl, libjansson, libgmp, libxtables and ~3,500 relocations),
/// whether or not it changes a rule. Loading it here, only when a context is created, makes
/// that cost disappear from every path that needs no nftables work. This is the only file of
/// the target that touches raw pointers of libnftables.
///
/// `dlopen` needs a dynamically linked executable (the `mostlyStaticExecutable` setting);
/// a `-static-executable` binary cannot load it.
final class LibNFTables: @unchecked Sendable {
    typealias NewContext = @convention(c) (UInt32) -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    typealias RunFromBuffer = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias BufferStream = @convention(c) (OpaquePointer?) -> Int32
    typealias GetBuffer = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias SetOutputFlags = @convention(c) (OpaquePointer?, UInt32) -> Void

    /// The soname Debian's libnftables1 installs.
    static let soname = "libnftables.so.1"

    let newContext: NewContext
    let freeContext: FreeContext
    let runFromBuffer: RunFromBuffer
    let bufferOutput: BufferStream
    let getOutputBuffer: GetBuffer
    let bufferError: BufferStream
    let getErrorBuffer: GetBuffer
    let setOutputFlags: SetOutputFlags

    /// Loaded once per process, on first use; never unloaded. Swift initialises globals and
    /// static members lazily and thread-safely.
    private static let loaded: Result<LibNFTables, NFTablesError> = Result { () throws(NFTablesError) in
        try LibNFTables(soname: soname)
    }

    static func shared() throws(NFTablesError) -> LibNFTables {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): throw error
        }
    }

    private init(soname: String) throws(NFTablesError) {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            throw NFTablesError.libraryUnavailable(Self.dlerrorText())
        }
        func symbol<T>(_ name: String, as type: T.Type) throws(NFTablesError) -> T {
            guard let address = dlsym(handle, name) else {
                throw NFTablesError.libraryUnavailable("\(soname) has no symbol \(name): \(Self.dlerrorText())")
            }
            return unsafeBitCast(address, to: type)
        }
        newContext = try symbol("nft_ctx_new", as: NewContext.self)
        freeContext = try symbol("nft_ctx_free", as: FreeContext.self)
        runFromBuffer = try symbol("nft_run_cmd_from_buffer", as: RunFromBuffer.self)
        bufferOutput = try symbol("nft_ctx_buffer_output", as: BufferStream.self)
        getOutputBuffer = try symbol("nft_ctx_get_output_buffer", as: GetBuffer.self)
        bufferError = try symbol("nft_ctx_buffer_error", as: BufferStream.self)
        getErrorBuffer = try symbol("nft_ctx_get_error_buffer", as: GetBuffer.self)
        setOutputFlags = try symbol("nft_ctx_output_set_flags", as: SetOutputFlags.self)
    }

    private static func dlerrorText() -> String {
        guard let text = dlerror() else { return "unknown dlopen error" }
        return String(cString: text)
    }

    /// Output flags: JSON in and out (libnftables parses JSON input when JSON output is on),
    /// with rule handles.
    static var jsonOutputFlags: UInt32 {
        UInt32(NFT_CTX_OUTPUT_JSON) | UInt32(NFT_CTX_OUTPUT_HANDLE)
    }
}

/// One `struct nft_ctx`, its buffers and its command runner. Not thread-safe: one thread at a
/// time, which `NFTablesContext` guarantees by not being `Sendable`.
struct RawNFTContext {
    let library: LibNFTables
    let pointer: OpaquePointer

    init(library: LibNFTables) throws(NFTablesError) {
        guard let pointer = library.newContext(0) else {
            throw NFTablesError.libraryUnavailable("nft_ctx_new failed")
        }
        self.library = library
        self.pointer = pointer
        library.setOutputFlags(pointer, LibNFTables.jsonOutputFlags)
        if library.bufferOutput(pointer) != 0 || library.bufferError(pointer) != 0 {
            library.freeContext(pointer)
            throw NFTablesError.libraryUnavailable("cannot buffer libnftables output")
        }
    }

    func free() { library.freeContext(pointer) }

    /// Runs one buffer of commands; returns the status, the output buffer and the error buffer.
    func run(_ text: String) -> (status: Int32, output: String, error: String) {
        let status = text.withCString { library.runFromBuffer(pointer, $0) }
        let output = library.getOutputBuffer(pointer).map { String(cString: $0) } ?? ""
        let error = library.getErrorBuffer(pointer).map { String(cString: $0) } ?? ""
        return (status, output, error)
    }
}
