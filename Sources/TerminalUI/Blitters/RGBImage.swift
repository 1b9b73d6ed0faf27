import Foundation

/// A packed 8-bit RGB picture, row-major, 3 bytes a pixel: the blitters' input.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width >= 0 && height >= 0 && bytes.count == width * height * 3, "RGBImage: \(bytes.count) bytes for \(width)x\(height)")
        self.width = width; self.height = height; self.bytes = bytes
    }

    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        var b = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: b.count, by: 3) { b[i] = fill.r; b[i + 1] = fill.g; b[i + 2] = fill.b }
        self.init(width: width, height: height, bytes: b)
    }

    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        get { let i = (y * width + x) * 3; return (bytes[i], bytes[i + 1], bytes[i + 2]) }
        set { let i = (y * width + x) * 3; bytes[i] = newValue.r; bytes[i + 1] = newValue.g; bytes[i + 2] = newValue.b }
    }
}

public enum PPMError: Error, CustomStringConvertible, Equatable {
    case notP6
    case badHeader(String)
    case truncated(expected: Int, got: Int)

    public var description: String {
        switch self {
        case .notP6: return "not a binary PPM (P6) file"
        case let .badHeader(why): return "bad PPM header: \(why)"
        case let .truncated(e, g): return "PPM pixel data is \(g) bytes, expected \(e)"
        }
    }
}

/// Netpbm P6 ("binary PPM"): the simplest lossless picture format, which
/// every tool (chafa, ImageMagick, chromium screenshots via python) can make.
public enum PPM {
    public static func decode(_ data: Data) throws -> RGBImage {
        let bytes = [UInt8](data)
        var i = 0
        func skipSpaceAndComments() {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "#") { while i < bytes.count && bytes[i] != 0x0a { i += 1 } }
                else if bytes[i] == 0x20 || (0x09...0x0d).contains(bytes[i]) { i += 1 }
                else { break }
            }
        }
        func number(_ what: String) throws -> Int {
            skipSpaceAndComments()
            var v = 0, digits = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]), digits < 9 { v = v * 10 + Int(bytes[i] - 0x30); i += 1; digits += 1 }
            guard digits > 0 else { throw PPMError.badHeader("missing \(what)") }
            return v
        }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "6") else { throw PPMError.notP6 }
        i = 2
        let w = try number("width"), h = try number("height"), maxval = try number("maxval")
        guard w > 0, h > 0, w * h <= 100_000_000 else { throw PPMError.badHeader("impossible size \(w)x\(h)") }
        guard maxval > 0, maxval <= 255 else { throw PPMError.badHeader("maxval \(maxval) (only 8-bit PPM is supported)") }
        guard i < bytes.count else { throw PPMError.truncated(expected: w * h * 3, got: 0) }
        i += 1 // exactly one whitespace byte separates the header from the pixels
        let need = w * h * 3
        guard bytes.count - i >= need else { throw PPMError.truncated(expected: need, got: bytes.count - i) }
        var pixels = Array(bytes[i..<(i + need)])
        if maxval != 255 { for k in pixels.indices { pixels[k] = UInt8(min(255, Int(pixels[k]) * 255 / maxval)) } }
        return RGBImage(width: w, height: h, bytes: pixels)
    }

    public static func encode(_ image: RGBImage) -> Data {
        var d = Data("P6\n\(image.width) \(image.height)\n255\n".utf8)
        d.append(contentsOf: image.bytes)
        return d
    }
}
