import CNISpec

/// Reads a resolv.conf file into a result's `dns`, as the reference does: `nameserver`
/// (one per line), `domain` (last wins), `search` and `options` (all words, appended);
/// comments (`#`, `;`), blank lines and lines with fewer than two words are skipped.
public enum ResolvConf {
    public static func parse(_ text: String) -> CNIResult.DNS {
        var dns = CNIResult.DNS()
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(rawLine).trimmingSpaces
            guard let first = line.first, first != "#", first != ";" else { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard fields.count >= 2 else { continue }
            switch fields[0] {
            case "nameserver": dns.nameservers.append(fields[1])
            case "domain": dns.domain = fields[1]
            case "search": dns.search.append(contentsOf: fields[1...])
            case "options": dns.options.append(contentsOf: fields[1...])
            default: break
            }
        }
        return dns
    }

    /// Reads and parses the file at `path`; failures are I/O errors (code 5).
    public static func load(_ path: String) throws(CNIError) -> CNIResult.DNS {
        let slash = path.lastIndex(of: "/")
        let dirPath = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        do throws(StoreError) {
            let dir = try DirectoryHandle(path: dirPath, create: false)
            guard let bytes = try dir.read(name) else {
                throw StoreError("open", path, errno: 2)
            }
            return parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw CNIError(.ioFailure, "cannot read resolvConf", details: error.description)
        }
    }
}
