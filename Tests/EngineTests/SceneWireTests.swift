@_spi(CodecCheck) @testable import Engine
import Foundation
import XCTest

/// The codec's short way for scenes and deltas must be the `Codable` way,
/// only faster: the same bytes out, the same messages in, and everything it
/// is unsure of left to `JSONDecoder` (with its error messages).
final class SceneWireTests: XCTestCase {
    func testScenesAndDeltasAreWrittenByteForByteAsJSONEncoderWritesThem() {
        var g = Pictures(seed: 1)
        for _ in 0 ..< 400 {
            let frame = g.frame()
            guard let quick = SceneWire.encode(frame) else { return XCTFail("a \(frame.message.type) frame was not written the short way") }
            let codable = WireCodec.codableEncode(frame)
            XCTAssertEqual(String(decoding: quick, as: UTF8.self), String(decoding: codable, as: UTF8.self))
        }
    }

    func testOtherMessagesAreLeftToJSONEncoder() {
        XCTAssertNil(SceneWire.encode(WireFrame(.requestScene)))
        XCTAssertNil(SceneWire.encode(WireFrame(.addNote(AddNote(text: "checked the invoice")))))
    }

    func testEveryValidPictureIsReadTheShortWayAsJSONDecoderReadsIt() throws {
        var g = Pictures(seed: 2)
        var read = 0
        for _ in 0 ..< 400 {
            let frame = g.frame()
            let bytes = WireCodec.codableEncode(frame)
            guard let slow = try? WireCodec.codableDecode(Data(bytes)) else { continue }
            let quick = bytes.withUnsafeBytes(SceneWire.decode)
            XCTAssertEqual(quick, slow)
            if quick != nil { read += 1 }
        }
        // Every picture within bounds goes the short way (a nil above fails); the generator makes enough of them.
        XCTAssertGreaterThan(read, 80)
    }

    func testWhateverTheShortWayAcceptsJSONDecoderAcceptsAsTheSameMessage() {
        var g = Pictures(seed: 3)
        var accepted = 0, leftToCodable = 0
        for round in 0 ..< 3_000 {
            let bytes = g.variant(of: WireCodec.codableEncode(g.frame()), round: round)
            let quick = bytes.withUnsafeBytes(SceneWire.decode)
            let slow = try? WireCodec.codableDecode(Data(bytes))
            if let quick {
                accepted += 1
                XCTAssertEqual(quick, slow, "the short way read \(String(decoding: bytes.prefix(300), as: UTF8.self)) otherwise")
            } else {
                leftToCodable += 1
            }
        }
        XCTAssertGreaterThan(accepted, 300)
        XCTAssertGreaterThan(leftToCodable, 500)
    }

    func testARefusedPictureGetsTheSameErrorEitherWay() {
        let refused = [
            #"{"v":1,"type":"scene","body":{"version":1,"source":"page","viewport":{"width":0,"height":800},"scroll":{"x":0,"y":0},"url":"u","title":"t","nodes":[]}}"#,
            #"{"v":1,"type":"scene-delta","body":{"baseVersion":3,"version":2,"upserts":[],"removed":[]}}"#,
            #"{"v":1,"type":"scene-delta","body":{"baseVersion":1,"version":2,"upserts":[{"id":"i","kind":"image","rect":{"x":0,"y":0,"width":1,"height":1},"z":0,"pixels":{"width":4294967296,"height":4294967296,"rgb":""}}],"removed":[]}}"#,
            #"{"v":1,"type":"scene-delta","body":{"baseVersion":1,"version":2,"upserts":[{"id":"a","kind":"box","rect":{"x":0,"y":0,"width":1,"height":1},"z":0,"background":"red"}],"removed":[]}}"#,
            #"{"v":1,"type":"scene-delta","body":{"baseVersion":1,"version":2,"removed":[]}}"#,
            #"{"v":2,"type":"scene","body":{}}"#,
            #"{"v":1,"type":"scene","body":{"version":1}} trailing"#,
        ]
        for text in refused {
            let bytes = Array(text.utf8)
            XCTAssertNil(bytes.withUnsafeBytes(SceneWire.decode), text)
            func refusal(_ decode: () throws -> WireFrame) -> WireError? {
                do { _ = try decode(); return nil } catch { return error as? WireError }
            }
            let either = refusal { try WireCodec.decode(bytes) }
            XCTAssertNotNil(either, text)
            XCTAssertEqual(either, refusal { try WireCodec.codableDecode(Data(bytes)) }, text)
        }
    }

    func testTheSDKsOwnSpellingIsReadTheShortWay() throws {
        // Keys in the SDK's order, fractional CSS pixels, a non-ASCII title, an escaped quote.
        let text = #"""
        {"v":1,"type":"scene-delta","id":7,"body":{"baseVersion":41,"version":42,"upserts":[{"id":"btn-pay","kind":"text","rect":{"x":12.5,"y":103.34375,"width":80,"height":18.5},"z":3,"text":"Pay \"now\" — €12.40","foreground":"#1D2330"}],"removed":["old"],"pointer":{"x":640.25,"y":-0.5},"title":"Zahlung · Übersicht"}}
        """#
        let bytes = Array(text.utf8)
        let quick = try XCTUnwrap(bytes.withUnsafeBytes(SceneWire.decode))
        XCTAssertEqual(quick, try WireCodec.codableDecode(Data(bytes)))
        guard case let .sceneDelta(d) = quick.message else { return XCTFail("not a delta") }
        XCTAssertEqual(d.upserts.first?.text, "Pay \"now\" — €12.40")
        XCTAssertEqual(d.upserts.first?.foreground, RGB(0x1d, 0x23, 0x30))
        XCTAssertEqual(quick.id, 7)
    }
}

/// Random scenes and deltas, with the numbers and strings that are hard to
/// write and read alike, and variants of their JSON that a peer might send.
private struct Pictures {
    var rng: Mix

    init(seed: UInt64) { rng = Mix(state: seed) }

    mutating func frame() -> WireFrame {
        let id: Int? = chance(3) ? Int(rng.next() % 10_000) : nil
        let re: Int? = chance(8) ? Int(rng.next() % 10_000) : nil
        if chance(2) { return WireFrame(.scene(scene()), id: id, re: re) }
        return WireFrame(.sceneDelta(delta()), id: id, re: re)
    }

    mutating func scene() -> Scene {
        Scene(version: int(), source: chance(5) ? .screen : .page, viewport: Size(width: positive(), height: positive()),
              scroll: Point(x: number(), y: number()), url: text(), title: text(),
              nodes: (0 ..< Int(rng.next() % 12)).map { node($0) }, pointer: chance(2) ? Point(x: number(), y: number()) : nil)
    }

    mutating func delta() -> SceneDelta {
        let base = int()
        return SceneDelta(baseVersion: base, version: base + 1 + Int(rng.next() % 3),
                          upserts: (0 ..< Int(rng.next() % 5)).map { node($0) },
                          removed: (0 ..< Int(rng.next() % 3)).map { "gone-\($0)" },
                          viewport: chance(4) ? Size(width: positive(), height: positive()) : nil,
                          scroll: chance(4) ? Point(x: number(), y: number()) : nil,
                          url: chance(4) ? text() : nil, title: chance(4) ? text() : nil,
                          pointer: chance(2) ? Point(x: number(), y: number()) : nil)
    }

    mutating func node(_ i: Int) -> SceneNode {
        let kinds: [SceneNodeKind] = [.box, .text, .field, .image, .mask]
        let kind = kinds[Int(rng.next() % 5)]
        var n = SceneNode(id: "n\(i)-\(rng.next() % 1000)", kind: kind,
                          rect: Rect(x: number(), y: number(), width: positive(), height: positive()), z: Int(rng.next() % 20) - 5)
        if chance(2) { n.background = colour() }
        if chance(2) { n.foreground = colour() }
        if chance(3) { n.border = colour() }
        if kind == .text || chance(4) { n.text = text() }
        if kind == .field || kind == .mask || chance(5) { n.label = text() }
        if kind == .field, chance(2) { n.fieldType = ["text", "email", "password"][Int(rng.next() % 3)] }
        if kind == .image {
            let w = Int(rng.next() % 4) + 1, h = Int(rng.next() % 4) + 1
            n.pixels = PixelBlock(width: w, height: h, rgb: Data((0 ..< w * h * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        }
        if chance(6) { n.redacted = chance(2) }
        return n
    }

    mutating func chance(_ oneIn: UInt64) -> Bool { rng.next() % oneIn == 0 }
    mutating func int() -> Int { Int(rng.next() % 1_000_000) }
    mutating func colour() -> RGB { RGB(UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next()), UInt8(truncatingIfNeeded: rng.next())) }

    /// Whole and fractional pixels, the signs of zero, the edges of exact integers and of the bounds.
    mutating func number() -> Double {
        switch rng.next() % 10 {
        case 0: return [0, -0.0, 1e15, 1e16, 9_007_199_254_740_992, 9_007_199_254_740_994, 999_999.5, -999_999.99, 5e-324, 1e-7][Int(rng.next() % 10)]
        case 1: // Any finite double at all (JSON has no NaN or infinity).
            let v = Double(bitPattern: rng.next())
            return v.isFinite ? v : 0.5
        case 2, 3: return Double(Int(rng.next() % 4000)) / 8 - 250
        case 4: return (Double(rng.next() % 1_000_000_000) / 1_000_000_000) * pow(10, Double(Int(rng.next() % 40) - 20))
        default: return Double(rng.next() % 2000)
        }
    }

    mutating func positive() -> Double { abs(number()) }

    mutating func text() -> String {
        let pieces = ["Invoice", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "€", "😀", "\u{2028}", "Übersicht", "a@b.co", "<b>", "\r"]
        return (0 ..< Int(rng.next() % 6)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    /// A frame as another writer might spell it, or broken on purpose.
    mutating func variant(of bytes: [UInt8], round: Int) -> [UInt8] {
        var text = String(decoding: bytes, as: UTF8.self)
        switch round % 14 {
        case 0: return bytes
        case 1: // Another writer: keys in another order, other number spellings.
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
                  let again = try? JSONSerialization.data(withJSONObject: object) else { return bytes }
            return Array(again)
        case 2: text = text.replacingOccurrences(of: ",", with: " ,\n\t").replacingOccurrences(of: ":", with: " : ")
        case 3: text = text.replacingOccurrences(of: "\"kind\"", with: "\"extra\":{\"deep\":[1,2.5e3,null,true,\"x\"]},\"kind\"")
        case 4: text = text.replacingOccurrences(of: "\"z\":", with: "\"z\":1,\"z\":")
        case 5: text = text.replacingOccurrences(of: "\"id\"", with: "\"\\u0069d\"")
        case 6: text = text.replacingOccurrences(of: ":0,", with: ":-0,").replacingOccurrences(of: ":1,", with: ":1.0,")
        case 7: text = text.replacingOccurrences(of: "\"text\":\"", with: "\"text\":\"\\u00e9\\ud83d\\ude00")
        case 8: text = text.replacingOccurrences(of: "\"text\":\"", with: "\"text\":\"\\ud83d")
        case 9: text = text.replacingOccurrences(of: "\"label\":", with: "\"label\":null,\"labels\":")
        case 10:
            var b = bytes
            if !b.isEmpty { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            return b
        case 11: return Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
        case 12: text = text.replacingOccurrences(of: "#", with: "#+")
        default: text = text.replacingOccurrences(of: "\"pointer\":{", with: "\"pointer\":null,\"p\":{")
        }
        return Array(text.utf8)
    }
}

private struct Mix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
