/// One protocol as `show protocols all` describes it (BGP sessions are the ones of interest).
public struct BirdProtocolStatus: Sendable, Equatable {
    public struct Channel: Sendable, Equatable {
        public var name: String
        public var state: String = ""
        public var imported = 0
        public var exported = 0
    }

    public var name: String
    /// `BGP`, `Kernel`, `Static`, ...
    public var proto: String
    /// BIRD's protocol state: `up`, `start`, `down`, ...
    public var state: String
    /// The summary row's info column (`Established`, `Active`, an error).
    public var info: String
    public var description: String?
    /// For BGP: `Established`, `Active`, `Connect`, `Idle`, ...
    public var bgpState: String?
    public var neighborAddress: String?
    public var neighborAS: String?
    public var lastError: String?
    public var channels: [Channel] = []

    public var isEstablished: Bool { bgpState == "Established" }
    public var imported: Int { channels.reduce(0) { $0 + $1.imported } }
    public var exported: Int { channels.reduce(0) { $0 + $1.exported } }

    /// Parses the reply of `show protocols all`: rows are code 1002, details 1006.
    public static func parse(_ reply: BirdReply) -> [BirdProtocolStatus] {
        var result: [BirdProtocolStatus] = []
        for line in reply.lines {
            if line.code == 1002 {
                let fields = line.text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard fields.count >= 4 else { continue }
                result.append(BirdProtocolStatus(
                    name: fields[0], proto: fields[1], state: fields[3], info: fields.dropFirst(5).joined(separator: " ")))
            } else if line.code == 1006, !result.isEmpty {
                result[result.count - 1].absorb(detail: line.text)
            }
        }
        return result
    }

    private mutating func absorb(detail raw: String) {
        let text = raw.trimmingSpaces()
        func value(after key: String) -> String? {
            guard text.hasPrefix(key) else { return nil }
            return String(text.dropFirst(key.count)).trimmingSpaces()
        }
        if text.hasPrefix("Channel ") {
            channels.append(Channel(name: String(text.dropFirst(8))))
        } else if let v = value(after: "Description:") {
            description = v
        } else if let v = value(after: "BGP state:") {
            bgpState = v
        } else if let v = value(after: "Neighbor address:") {
            neighborAddress = v
        } else if let v = value(after: "Neighbor AS:") {
            neighborAS = v
        } else if let v = value(after: "Last error:") {
            lastError = v
        } else if let v = value(after: "State:"), !channels.isEmpty {
            channels[channels.count - 1].state = v
        } else if let v = value(after: "Routes:"), !channels.isEmpty {
            // "1 imported, 0 filtered, 1 exported, 1 preferred"
            for part in v.split(separator: ",") {
                let words = part.split(separator: " ")
                guard words.count == 2, let n = Int(words[0]) else { continue }
                if words[1] == "imported" { channels[channels.count - 1].imported = n }
                if words[1] == "exported" { channels[channels.count - 1].exported = n }
            }
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }
        var end = scalars.endIndex
        while end > scalars.startIndex, scalars[scalars.index(before: end)] == " " || scalars[scalars.index(before: end)] == "\t" {
            end = scalars.index(before: end)
        }
        return String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
    }
}
