import Foundation

/// A reader for the plain JSON that pictures arrive in. It reads a strict
/// subset and answers `Unsure` for anything else — an escape in a key, a key
/// given twice, a number it would have to round differently, invalid UTF-8 —
/// so the caller can hand the frame to `JSONDecoder`, which then decides. It
/// never accepts what `JSONDecoder` would refuse; `SceneWireTests` holds it
/// to that.
struct JSONByteReader {
    struct Unsure: Error {}

    private let bytes: UnsafeRawBufferPointer
    private(set) var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    var atEnd: Bool { index >= bytes.count }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func expect(_ c: UInt8) throws(Unsure) {
        skipSpace()
        guard index < bytes.count, bytes[index] == c else { throw Unsure() }
        index += 1
    }

    /// Only whitespace may follow the document.
    mutating func expectEnd() throws(Unsure) {
        skipSpace()
        guard atEnd else { throw Unsure() }
    }

    /// Calls `field` with each key of an object, the reader placed at its
    /// value; `field` must read (or `skipValue`) that value.
    mutating func object(_ field: (inout JSONByteReader, String) throws(Unsure) -> Void) throws(Unsure) {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            let key = try self.key()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try field(&self, key)
            skipSpace()
            guard let c = peek() else { throw Unsure() }
            index += 1
            if c == UInt8(ascii: ",") { skipSpace(); continue }
            guard c == UInt8(ascii: "}") else { throw Unsure() }
            return
        }
    }

    /// Calls `element` once for each element of an array.
    mutating func array(_ element: (inout JSONByteReader) throws(Unsure) -> Void) throws(Unsure) {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            guard let c = peek() else { throw Unsure() }
            index += 1
            if c == UInt8(ascii: ",") { continue }
            guard c == UInt8(ascii: "]") else { throw Unsure() }
            return
        }
    }

    /// A key: printable ASCII without escapes (every key of the protocol is).
    private mutating func key() throws(Unsure) -> String {
        skipSpace()
        guard peek() == Self.quote else { throw Unsure() }
        index += 1
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == Self.quote { break }
            guard b >= 0x20, b < 0x7f, b != Self.backslash else { throw Unsure() }
            index += 1
        }
        guard index < bytes.count else { throw Unsure() }
        let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        index += 1
        return key
    }

    /// True for `null` (read), false for anything else (left to read).
    mutating func null() -> Bool {
        guard literal("null") else { return false }
        return true
    }

    mutating func bool() throws(Unsure) -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw Unsure()
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { return false }
        let p = word.utf8Start
        for k in 0 ..< n where bytes[index + k] != p[k] { return false }
        index += n
        return true
    }

    mutating func string() throws(Unsure) -> String {
        guard peek() == Self.quote else { throw Unsure() }
        index += 1
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == Self.quote {
                let run = UnsafeRawBufferPointer(rebasing: bytes[start ..< index])
                index += 1
                guard let s = String(validating: run.bindMemory(to: UInt8.self), as: UTF8.self) else { throw Unsure() }
                return s
            }
            if b == Self.backslash { return try escapedString(from: start) }
            // JSON has no raw control characters in a string.
            guard b >= 0x20 else { throw Unsure() }
            index += 1
        }
        throw Unsure()
    }

    private mutating func escapedString(from start: Int) throws(Unsure) -> String {
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start ..< index]))
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case Self.quote:
                guard let s = String(validating: out, as: UTF8.self) else { throw Unsure() }
                return s
            case Self.backslash:
                guard index < bytes.count else { throw Unsure() }
                let e = bytes[index]
                index += 1
                switch e {
                case Self.quote, Self.backslash, UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xd800 ..< 0xdc00).contains(scalar) {
                        // A high surrogate is only whole with the low one after it.
                        guard literal("\\u") else { throw Unsure() }
                        let low = try hex4()
                        guard (0xdc00 ..< 0xe000).contains(low) else { throw Unsure() }
                        scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw Unsure() }
                    out.append(contentsOf: UTF8.encode(u)!)
                default: throw Unsure()
                }
            default:
                guard b >= 0x20 else { throw Unsure() }
                out.append(b)
            }
        }
        throw Unsure()
    }

    private mutating func hex4() throws(Unsure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Unsure() }
        var v: UInt32 = 0
        for _ in 0 ..< 4 {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): v = v << 4 | UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): v = v << 4 | UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): v = v << 4 | UInt32(b - UInt8(ascii: "A") + 10)
            default: throw Unsure()
            }
        }
        return v
    }

    /// A whole number written as digits (no fraction, no exponent, no "-0").
    mutating func int() throws(Unsure) -> Int {
        let negative = peek() == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var v = 0
        while index < bytes.count, case let b = bytes[index], b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            // Past 18 digits the number is refused below; wrapping keeps the reading going till then.
            v = v &* 10 &+ Int(b - UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - start
        // 18 digits cannot overflow; a leading zero is not JSON; the rest is JSONDecoder's to judge.
        guard digits >= 1, digits <= 18, !(digits > 1 && bytes[start] == UInt8(ascii: "0")), !(negative && v == 0) else { throw Unsure() }
        if let b = peek(), b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { throw Unsure() }
        return negative ? -v : v
    }

    /// A finite number in JSON's grammar.
    mutating func double() throws(Unsure) -> Double {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        var whole = 0
        while index < bytes.count, case let b = bytes[index], b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            whole = whole &* 10 &+ Int(b - UInt8(ascii: "0"))
            index += 1
        }
        let intDigits = index - intStart
        guard intDigits >= 1, !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else { throw Unsure() }
        var plain = true
        if peek() == UInt8(ascii: ".") {
            plain = false
            index += 1
            guard try digits() > 0 else { throw Unsure() }
        }
        if let b = peek(), b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            plain = false
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard try digits() > 0 else { throw Unsure() }
        }
        // Up to 15 digits, a whole number is exactly a Double.
        if plain, intDigits <= 15 {
            let v = Double(whole)
            return start == intStart ? v : -v
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw Unsure() }
        return v
    }

    private mutating func digits() throws(Unsure) -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// Reads past a value the caller has no field for (JSONDecoder ignores
    /// unknown keys). Nested no deeper than a page needs.
    mutating func skipValue(depth: Int = 0) throws(Unsure) {
        guard depth < 16, let c = peek() else { throw Unsure() }
        switch c {
        case UInt8(ascii: "{"): try object { (r, _) throws(Unsure) in try r.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try array { (r) throws(Unsure) in try r.skipValue(depth: depth + 1) }
        case Self.quote: _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): guard null() else { throw Unsure() }
        default: _ = try double()
        }
    }
}

/// Writes JSON byte for byte as the codec's `JSONEncoder` does (keys sorted,
/// slashes unescaped, whole numbers as digits), for the pictures that are
/// encoded many times a second. `SceneWireTests` compares the two.
struct JSONByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            for k in stride(from: n - 1, through: 0, by: -1) { bytes.append(d[k]) }
        }
    }

    /// As JSONEncoder: whole numbers up to 2^53 as digits, -0 as "-0", the rest as Swift prints them.
    mutating func double(_ v: Double) {
        if v == 0 {
            if v.sign == .minus { raw("-0") } else { raw("0") }
        } else if v == v.rounded(.towardZero), v.magnitude <= 9_007_199_254_740_992 {
            int(Int(v))
        } else {
            bytes.append(contentsOf: v.description.utf8)
        }
    }

    mutating func bool(_ v: Bool) {
        if v { raw("true") } else { raw("false") }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            for (k, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5c {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart ..< k]))
                runStart = k + 1
                switch b {
                case 0x22: raw("\\\"")
                case 0x5c: raw("\\\\")
                case 0x08: raw("\\b")
                case 0x09: raw("\\t")
                case 0x0a: raw("\\n")
                case 0x0c: raw("\\f")
                case 0x0d: raw("\\r")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0xf)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
