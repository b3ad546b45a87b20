import CNISpec
import CVxlanDataPath
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A failed eBPF operation: what was attempted and the errno libbpf or the kernel gave.
public struct BPFError: Error, CustomStringConvertible, CNIErrorConvertible {
    public var operation: String
    public var errno: Int32

    public var description: String { "\(operation): \(SystemError.describe(errno))" }
    public var cniError: CNIError { CNIError(.internalError, description) }

    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(BPFError) -> Int32 {
        guard result >= 0 else { throw BPFError(operation: operation(), errno: -result) }
        return result
    }
}

/// One loaded instance of the data path program (Sources/CVxlanDataPath/bpf/vxlan_datapath.bpf.c):
/// an owned file descriptor, closed on deinit. The program lives on while a device has it attached.
final class DataPathProgram {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// Loads a new instance, with new empty maps.
    static func load() throws(BPFError) -> (DataPathProgram, DataPathMaps) {
        var maps = swcni_dp_maps(pods: -1, peers: -1, node: -1)
        let fd = try BPFError.check(swcni_dp_load(&maps), "load the eBPF data path program")
        return (DataPathProgram(fd: fd), DataPathMaps(maps))
    }

    /// swift-cni's program on the ingress hook of `interfaceIndex`, if attached.
    static func attached(to interfaceIndex: Int32) throws(BPFError) -> DataPathProgram? {
        let result = swcni_dp_find(interfaceIndex)
        if result == -ENOENT || result == -ENODEV { return nil }
        return DataPathProgram(fd: try BPFError.check(result, "find the eBPF data path on interface \(interfaceIndex)"))
    }

    /// Attaches (or replaces) swift-cni's filter on the ingress hook of `interfaceIndex`.
    func attach(to interfaceIndex: Int32) throws(BPFError) {
        _ = try BPFError.check(swcni_dp_attach(interfaceIndex, fd), "attach the eBPF data path to interface \(interfaceIndex)")
    }

    /// Removes swift-cni's filter from `interfaceIndex`; false when there was none.
    @discardableResult
    static func detach(from interfaceIndex: Int32) throws(BPFError) -> Bool {
        let result = swcni_dp_detach(interfaceIndex)
        if result == -ENOENT || result == -ENODEV { return false }
        _ = try BPFError.check(result, "detach the eBPF data path from interface \(interfaceIndex)")
        return true
    }

    /// The kernel's id of this instance (two devices share an instance when equal).
    func id() throws(BPFError) -> UInt32 {
        var id: UInt32 = 0
        _ = try BPFError.check(swcni_dp_prog_id(fd, &id), "read the eBPF program id")
        return id
    }

    /// The maps of this instance.
    func maps() throws(BPFError) -> DataPathMaps {
        var maps = swcni_dp_maps(pods: -1, peers: -1, node: -1)
        _ = try BPFError.check(swcni_dp_maps_of(fd, &maps), "find the eBPF data path maps")
        return DataPathMaps(maps)
    }
}

/// The three maps of a program instance.
struct DataPathMaps {
    let pods: BPFMap
    let peers: BPFMap
    let node: BPFMap

    fileprivate init(_ maps: swcni_dp_maps) {
        pods = BPFMap(fd: maps.pods, name: "swcni_pods", keySize: DataPathLayout.podKeySize, valueSize: DataPathLayout.PodEntry.size)
        peers = BPFMap(fd: maps.peers, name: "swcni_peers", keySize: DataPathLayout.peerKeySize, valueSize: DataPathLayout.PeerEntry.size)
        node = BPFMap(fd: maps.node, name: "swcni_node", keySize: 4, valueSize: DataPathLayout.NodeEntry.size)
    }
}

/// A BPF map reached through an owned file descriptor; keys and values are byte arrays of
/// the map's fixed sizes.
final class BPFMap {
    let fd: Int32
    let name: String
    let keySize: Int
    let valueSize: Int

    init(fd: Int32, name: String, keySize: Int, valueSize: Int) {
        self.fd = fd
        self.name = name
        self.keySize = keySize
        self.valueSize = valueSize
    }
    deinit { close(fd) }

    func update(_ key: [UInt8], _ value: [UInt8]) throws(BPFError) {
        precondition(key.count == keySize && value.count == valueSize)
        let result = key.withUnsafeBytes { k in value.withUnsafeBytes { v in swcni_dp_map_update(fd, k.baseAddress, v.baseAddress) } }
        _ = try BPFError.check(result, "update an element of \(name)")
    }

    /// Deletes the element; false when there was none.
    @discardableResult
    func delete(_ key: [UInt8]) throws(BPFError) -> Bool {
        precondition(key.count == keySize)
        let result = key.withUnsafeBytes { swcni_dp_map_delete(fd, $0.baseAddress) }
        if result == -ENOENT { return false }
        _ = try BPFError.check(result, "delete an element of \(name)")
        return true
    }

    func lookup(_ key: [UInt8]) throws(BPFError) -> [UInt8]? {
        precondition(key.count == keySize)
        var value = [UInt8](repeating: 0, count: valueSize)
        let result = key.withUnsafeBytes { k in value.withUnsafeMutableBytes { swcni_dp_map_lookup(fd, k.baseAddress, $0.baseAddress) } }
        if result == -ENOENT { return nil }
        _ = try BPFError.check(result, "look up an element of \(name)")
        return value
    }

    /// Every key (a snapshot; the map is not locked).
    func keys() throws(BPFError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var previous: [UInt8]? = nil
        while true {
            var next = [UInt8](repeating: 0, count: keySize)
            let result: Int32
            if let previous {
                result = previous.withUnsafeBytes { p in next.withUnsafeMutableBytes { swcni_dp_map_next_key(fd, p.baseAddress, $0.baseAddress) } }
            } else {
                result = next.withUnsafeMutableBytes { swcni_dp_map_next_key(fd, nil, $0.baseAddress) }
            }
            if result == -ENOENT { return keys }
            _ = try BPFError.check(result, "list the elements of \(name)")
            keys.append(next)
            previous = next
            if keys.count > 1_000_000 { return keys }
        }
    }

    /// Every element.
    func elements() throws(BPFError) -> [(key: [UInt8], value: [UInt8])] {
        var elements: [(key: [UInt8], value: [UInt8])] = []
        for key in try keys() {
            if let value = try lookup(key) { elements.append((key, value)) }
        }
        return elements
    }
}
