/// A minimal writer of XML-compatible markup (SVG and XHTML) with escaping.
///
/// Attributes are ordered pairs, so the output is byte-for-byte deterministic.
/// Every element is either self-closed (`<line ... />`) or explicitly closed, so the
/// result parses as XML as well as HTML.
public struct SVGWriter: Sendable {
    /// The markup written so far.
    public private(set) var output: String = ""

    public init() {}

    /// `<name attrs>`; pair with `close(name)`.
    public mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        output += "<" + name + Self.attributeString(attributes) + ">"
    }

    /// `</name>`.
    public mutating func close(_ name: String) {
        output += "</" + name + ">"
    }

    /// `<name attrs>escaped text</name>`, or `<name attrs />` when `text` is `nil`.
    public mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil) {
        if let text {
            output += "<" + name + Self.attributeString(attributes) + ">" + XMLEscape.text(text) + "</" + name + ">"
        } else {
            output += "<" + name + Self.attributeString(attributes) + " />"
        }
    }

    /// Escaped character data.
    public mutating func text(_ text: String) {
        output += XMLEscape.text(text)
    }

    /// Markup that is already well formed (e.g. another writer's output).
    public mutating func raw(_ markup: String) {
        output += markup
    }

    /// A newline, to keep the file readable in a text editor.
    public mutating func newline() {
        output += "\n"
    }

    static func attributeString(_ attributes: [(String, String)]) -> String {
        var s = ""
        for (key, value) in attributes {
            s += " " + key + "=\"" + XMLEscape.attribute(value) + "\""
        }
        return s
    }
}

/// Escaping for XML/XHTML text and attribute values.
///
/// Only the five predefined XML entities and numeric references are produced (no `&nbsp;`),
/// and characters that XML 1.0 forbids (C0 controls other than tab, newline, carriage return)
/// are dropped, so any caller-provided name yields a well-formed document.
public enum XMLEscape {
    /// Escapes `&`, `<`, `>` (and quotes, harmlessly) for character data.
    public static func text(_ s: String) -> String {
        escape(s)
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for a double-quoted attribute value.
    public static func attribute(_ s: String) -> String {
        escape(s)
    }

    private static func escape(_ s: String) -> String {
        var needs = false
        for u in s.unicodeScalars where u == "&" || u == "<" || u == ">" || u == "\"" || u == "'" || (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || u.value == 0xFFFE || u.value == 0xFFFF {
            needs = true
            break
        }
        if !needs { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default:
                if (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.append(u)
            }
        }
        return String(out)
    }
}

/// Deterministic, locale-free number formatting for coordinates and labels.
public enum NumberText {
    /// `x` rounded to `decimals` places with trailing zeros removed ("12.5", "3", "-0.25").
    /// Non-finite values give "0" (coordinates must stay valid).
    public static func fixed(_ x: Double, _ decimals: Int = 1) -> String {
        guard x.isFinite else { return "0" }
        let d = max(0, min(decimals, 12))
        var scale = 1.0
        for _ in 0..<d { scale *= 10 }
        let r = (x * scale).rounded()
        guard abs(r) < 9.0e15 else { return String(x) }
        var n = Int64(r)
        if n == 0 { return "0" }
        let negative = n < 0
        n = negative ? -n : n
        var p: Int64 = 1
        for _ in 0..<d { p *= 10 }
        let whole = n / p
        var frac = n % p
        var s = String(whole)
        if d > 0 && frac > 0 {
            var digits = d
            while frac % 10 == 0 {
                frac /= 10
                digits -= 1
            }
            let f = String(frac)
            s += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return negative ? "-" + s : s
    }

    /// Like `fixed`, but with a typographic minus sign (U+2212) for labels.
    public static func label(_ x: Double, _ decimals: Int) -> String {
        let s = fixed(x, decimals)
        return s.hasPrefix("-") ? "\u{2212}" + s.dropFirst() : s
    }

    /// `x` with exactly `places` decimals (for table columns), a typographic minus, and an
    /// optional explicit plus sign: "0.500", "\u{2212}0.386", "+0.527".
    public static func decimal(_ x: Double, _ places: Int, plusSign: Bool = false) -> String {
        guard x.isFinite else { return "\u{2013}" }
        var s = fixed(x, places)
        let negative = s.hasPrefix("-")
        if negative { s.removeFirst() }
        if places > 0 {
            if let dot = s.firstIndex(of: ".") {
                s += String(repeating: "0", count: places - s.distance(from: dot, to: s.endIndex) + 1)
            } else {
                s += "." + String(repeating: "0", count: places)
            }
        }
        if negative { return "\u{2212}" + s }
        return plusSign && s.contains(where: { $0 != "0" && $0 != "." }) ? "+" + s : s
    }

    /// `x` with thousands separators (U+202F narrow no-break space is avoided; a comma is used).
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (k, c) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}
