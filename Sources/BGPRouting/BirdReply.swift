/// One reply of BIRD's control protocol: lines `NNNN-text` (more follow), ` text` (more
/// of the previous code) and a last line `NNNN text`. Codes: 0001 greeting, 0xxx done,
/// 1xxx table rows, 2xxx table headings, 8xxx run-time errors, 9xxx parse errors.
public struct BirdReply: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var code: Int
        public var text: String
    }

    public var lines: [Line]
    /// The code of the last line.
    public var code: Int

    public var isError: Bool { code >= 8000 }
    /// The last line's text (an error's message).
    public var message: String { lines.last?.text ?? "" }
}

/// Splits BIRD's byte stream into replies (pure, fed as bytes arrive).
struct BirdReplyParser {
    private var pending: [UInt8] = []
    private var lines: [BirdReply.Line] = []

    /// Adds bytes; returns a reply when its last line has arrived.
    mutating func feed(_ bytes: [UInt8]) throws(BirdControlError) -> BirdReply? {
        pending += bytes
        while let newline = pending.firstIndex(of: 10) {
            let raw = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if raw.hasPrefix(" ") {
                // Continuation of the previous line's code.
                lines.append(.init(code: lines.last?.code ?? 0, text: String(raw.dropFirst())))
                continue
            }
            let digits = raw.prefix(4)
            guard digits.count == 4, digits.allSatisfy(\.isASCII), let code = Int(digits) else {
                throw .malformed(raw)
            }
            let separator = raw.dropFirst(4).first
            let text = String(raw.dropFirst(5))
            lines.append(.init(code: code, text: text))
            if separator == "-" { continue }
            guard separator == " " || separator == nil else { throw .malformed(raw) }
            let reply = BirdReply(lines: lines, code: code)
            lines = []
            return reply
        }
        return nil
    }

    var isIdle: Bool { pending.isEmpty && lines.isEmpty }
}
