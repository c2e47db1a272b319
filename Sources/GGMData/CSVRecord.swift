/// The fields of one CSV line, as byte ranges into the line (no copies).
///
/// Fields are separated by `separator` (a comma unless told). A field that starts with `"`
/// is quoted: it ends at the next `"` that is not doubled (`""` stands for one quote) and may
/// contain separators. A record is one line: quoted fields cannot span lines.
struct CSVRecord {
    struct Field {
        /// Content range in the line (inside the quotes for a quoted field).
        var start: Int
        var end: Int
        var quoted: Bool
        /// Whether the content holds doubled quotes to unescape.
        var escapes: Bool
    }

    private(set) var fields: [Field] = []
    /// The field separator's byte.
    let separator: UInt8

    init(separator: UInt8 = UInt8(ascii: ",")) {
        self.separator = separator
    }

    /// The separator of a file whose first line is `line`: the one of `,`, `;` and tab that
    /// occurs outside quotes; `;` if it occurs with `,` (decimal commas); else the most
    /// frequent (ties: `,`, then `;`); `,` when none occurs.
    static func detectSeparator(_ line: UnsafeBufferPointer<UInt8>) -> CSVReadOptions.Separator {
        var comma = 0, semicolon = 0, tab = 0
        var inQuotes = false
        for c in line {
            if c == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            switch c {
            case UInt8(ascii: ","): comma += 1
            case UInt8(ascii: ";"): semicolon += 1
            case 0x09: tab += 1
            default: break
            }
        }
        if semicolon > 0 && comma > 0 { return .semicolon }
        if tab > max(comma, semicolon) { return .tab }
        if semicolon > comma { return .semicolon }
        return .comma
    }

    /// Whether `c` is blank padding around a field (a space, or a tab unless tab separates fields).
    @inline(__always) private func isPadding(_ c: UInt8) -> Bool {
        c == 0x20 || (c == 0x09 && separator != 0x09)
    }

    /// Splits `line`; throws ``DataError/malformedQuote(line:column:)`` for a broken quoted field.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(DataError) {
        fields.removeAll(keepingCapacity: true)
        let n = line.count
        let quote = UInt8(ascii: "\"")
        let comma = separator
        var pos = 0
        while true {
            if pos < n && line[pos] == quote {
                var k = pos + 1
                var escapes = false
                var closed = -1
                while k < n {
                    if line[k] == quote {
                        if k + 1 < n && line[k + 1] == quote { escapes = true; k += 2; continue }
                        closed = k
                        break
                    }
                    k += 1
                }
                guard closed >= 0 else { throw .malformedQuote(line: lineNumber, column: fields.count + 1) }
                var after = closed + 1
                while after < n && isPadding(line[after]) { after += 1 }
                guard after == n || line[after] == comma else {
                    throw .malformedQuote(line: lineNumber, column: fields.count + 1)
                }
                fields.append(Field(start: pos + 1, end: closed, quoted: true, escapes: escapes))
                if after == n { return }
                pos = after + 1
            } else {
                var end = pos
                while end < n && line[end] != comma { end += 1 }
                fields.append(Field(start: pos, end: end, quoted: false, escapes: false))
                if end == n { return }
                pos = end + 1
            }
        }
    }

    /// Field `i` as a string, quotes removed and unescaped, surrounding spaces trimmed when unquoted.
    func string(_ i: Int, in line: UnsafeBufferPointer<UInt8>) -> String {
        let f = fields[i]
        var lo = f.start
        var hi = f.end
        if !f.quoted {
            while lo < hi && (line[lo] == 0x20 || line[lo] == 0x09) { lo += 1 }
            while hi > lo && (line[hi - 1] == 0x20 || line[hi - 1] == 0x09) { hi -= 1 }
        }
        guard f.escapes else { return String(decoding: UnsafeBufferPointer(rebasing: line[lo..<hi]), as: UTF8.self) }
        var bytes = [UInt8]()
        var k = lo
        while k < hi {
            bytes.append(line[k])
            k += line[k] == UInt8(ascii: "\"") ? 2 : 1   // "" -> "
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Field `i` read as a number.
    func value(_ i: Int, in line: UnsafeBufferPointer<UInt8>) -> CellValue {
        let f = fields[i]
        if f.escapes { return .invalid }
        if f.end == f.start { return .missing }
        return NumberParser.parse(line.baseAddress! + f.start, count: f.end - f.start)
    }

    /// Field `i`'s raw text for an error message.
    func text(_ i: Int, in line: UnsafeBufferPointer<UInt8>) -> String {
        string(i, in: line)
    }
}
