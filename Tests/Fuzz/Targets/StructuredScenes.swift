import Engine
import Foundation

/// Builds scenes, deltas, annotations and agent pointers out of raw bytes, for the scene targets' second
/// input form (any input that does not start like JSON). The JSON decoder
/// lives in Foundation, which is not instrumented, so libFuzzer is nearly
/// blind while it mutates JSON text; here every byte picks a value directly,
/// extremes included (Int.max, 1e300, 10 000-byte texts). What is built is
/// encoded as JSON and then goes the same way as a JSON input, so anything
/// found is something a customer can send.
struct FuzzReader {
    var bytes: ArraySlice<UInt8>

    var isEmpty: Bool { bytes.isEmpty }

    mutating func byte() -> UInt8 { bytes.popFirst() ?? 0 }
    mutating func bool() -> Bool { byte() & 1 == 1 }

    mutating func raw64() -> UInt64 { (0..<8).reduce(0) { acc, _ in acc << 8 | UInt64(byte()) } }

    mutating func int() -> Int {
        switch byte() % 8 {
        case 0: return 0
        case 1: return Int(Int8(bitPattern: byte()))
        case 2: return Int(UInt16(byte()) << 8 | UInt16(byte()))
        case 3: return Int(bitPattern: UInt(raw64()))
        case 4: return .max
        case 5: return .min
        case 6: return 1 << 32
        default: return Int(byte()) + 1
        }
    }

    mutating func double() -> Double {
        switch byte() % 10 {
        case 0: return 0
        case 1: return Double(Int8(bitPattern: byte()))
        case 2: return Double(UInt16(byte()) << 8 | UInt16(byte()))
        case 3: return Double(byte()) / 7
        case 4:
            // Any finite bit pattern (JSON has no NaN or infinity).
            let d = Double(bitPattern: raw64())
            return d.isFinite ? d : (d.sign == .minus ? -1e308 : 1e308)
        case 5: return 1e300
        case 6: return -1e300
        case 7: return 999_999.9
        case 8: return 1e6
        default: return -0.0
        }
    }

    static let strings = [
        "Billing", "", " ", "0000 0000 0000 0000", "123-45-6789", "(555) 010-0199", "+44 20 7946 0000", "dana@example.com", "a@b.cd",
        "sk_test_FAKEFAKEFAKE0000", "api key: FAKE0000FAKE0000FAKE", "\u{1b}[2J\u{1b}]0;title\u{07}", "全角テキスト", "e\u{301}\u{301}\u{301}",
        "👩‍👩‍👧‍👦🇪🇺", "\u{202e}abc", "\t\n\r", "\u{0}", "\u{fffd}", "password", "cc-number", "card", "https://app.example/settings",
    ]

    mutating func string() -> String {
        switch byte() % 4 {
        case 0: return Self.strings[Int(byte()) % Self.strings.count]
        case 1:
            let n = Int(byte())
            var out = [UInt8]()
            for _ in 0..<n where !isEmpty { out.append(byte()) }
            return String(decoding: out, as: UTF8.self)
        case 2:
            // Long runs, around the 10 000-byte text limit.
            let unit = Self.strings[Int(byte()) % Self.strings.count] + " "
            let count = (Int(byte()) << 8 | Int(byte())) % 12_001
            return String(repeating: unit, count: max(1, count / max(1, unit.utf8.count)))
        default: return String(Character(Unicode.Scalar(byte())))
        }
    }

    mutating func rect() -> Rect { Rect(x: double(), y: double(), width: double(), height: double()) }
    mutating func rgb() -> RGB { RGB(byte(), byte(), byte()) }
    mutating func maybe<T>(_ make: (inout FuzzReader) -> T) -> T? { bool() ? make(&self) : nil }

    mutating func pixels() -> PixelBlock {
        let small = bool()
        let width = small ? Int(byte() % 130) : int(), height = small ? Int(byte() % 130) : int()
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        let exact = !overflow && product >= 0 && product <= 20_000
        let count = exact && bool() ? product * 3 : Int(byte())
        return PixelBlock(width: width, height: height, rgb: Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
    }

    mutating func node(_ index: Int) -> SceneNode {
        let kinds: [SceneNodeKind] = [.box, .text, .field, .image, .mask]
        let kind = kinds[Int(byte()) % kinds.count]
        let id = bool() ? "n\(index % 8)" : string()
        return SceneNode(id: id, kind: kind, rect: rect(), z: bool() ? Int(Int8(bitPattern: byte())) : int(),
                         background: maybe { $0.rgb() }, foreground: maybe { $0.rgb() }, border: maybe { $0.rgb() },
                         text: kind == .text || bool() ? string() : nil, label: maybe { $0.string() },
                         fieldType: maybe { $0.string() }, pixels: kind == .image || bool() ? pixels() : nil,
                         redacted: maybe { $0.bool() })
    }

    mutating func nodes() -> [SceneNode] { (0..<Int(byte() % 24)).map { node($0) } }

    mutating func scene() -> Scene {
        Scene(version: bool() ? Int(byte()) : int(), source: bool() ? .page : .screen, viewport: Size(width: double(), height: double()),
              scroll: Point(x: double(), y: double()), url: string(), title: string(), nodes: nodes(),
              pointer: maybe { Point(x: $0.double(), y: $0.double()) })
    }

    mutating func anchor() -> AnnotationAnchor {
        AnnotationAnchor(nodeId: bool() ? "n\(byte() % 8)" : nil, fx: maybe { $0.double() }, fy: maybe { $0.double() },
                         pageX: double(), pageY: double())
    }

    mutating func annotation() -> Annotation {
        let tools = AnnotationTool.allCases
        return Annotation(id: bool() ? "a\(byte() % 8)" : string(), tool: tools[Int(byte()) % tools.count], at: anchor(),
                          to: bool() || bool() ? anchor() : nil, text: maybe { $0.string() })
    }

    mutating func delta(after version: Int) -> SceneDelta {
        let base = bool() ? version : int()
        return SceneDelta(baseVersion: base, version: bool() ? base &+ 1 : int(), upserts: nodes(),
                          removed: (0..<Int(byte() % 4)).map { _ in bool() ? "n\(byte() % 8)" : string() },
                          viewport: maybe { Size(width: $0.double(), height: $0.double()) },
                          scroll: maybe { Point(x: $0.double(), y: $0.double()) }, url: maybe { $0.string() },
                          title: maybe { $0.string() }, pointer: maybe { Point(x: $0.double(), y: $0.double()) })
    }
}

enum StructuredScenes {
    /// True when the bytes look like JSON text (the first form of the scene targets' input).
    static func isJSON(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) else { return true }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }

    /// A scene, then deltas, annotations and agent pointers, as NUL-separated JSON; nil when they cannot be JSON.
    static func json(from bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var reader = FuzzReader(bytes: bytes)
        let scene = reader.scene()
        var texts = [Data]()
        let encoder = JSONEncoder()
        guard let first = try? encoder.encode(scene) else { return nil }
        texts.append(first)
        var version = scene.version
        while !reader.isEmpty, texts.count < 12 {
            let data: Data?
            switch reader.byte() % 4 {
            case 0: data = try? encoder.encode(reader.annotation())
            case 1: data = try? encoder.encode(AgentPointer(at: reader.maybe { $0.anchor() }))
            default:
                let d = reader.delta(after: version)
                version = d.version
                data = try? encoder.encode(d)
            }
            guard let data else { return nil }
            texts.append(data)
        }
        return Array(texts.map(Array.init).joined(separator: [0]))
    }
}
