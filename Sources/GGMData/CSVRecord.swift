/// The fields of one CSV line, as byte ranges into the line (no copies).
///
/// Fields are separated by commas. A field that starts with `"` is quoted: it ends at the
/// next `"` that is not doubled (`""` stands for one quote) and may contain commas. A
/// record is one line: quoted fields cannot span lines.
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

    /// Splits `line`; throws ``DataError/malformedQuote(line:column:)`` for a broken quoted field.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(DataError) {
        fields.removeAll(keepingCapacity: true)
        let n = line.count
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
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
                while after < n && (line[after] == 0x20 || line[after] == 0x09) { after += 1 }
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
