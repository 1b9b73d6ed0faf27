@_spi(CodecCheck) import Engine
import Foundation

/// The codec's short way for scenes and deltas against `JSONDecoder` and
/// `JSONEncoder`. Input: a wire frame's JSON, or bytes `StructuredScenes`
/// turns into a scene that is then sent as a frame. Whatever the short way
/// reads, `JSONDecoder` must read as the same frame; whatever either reads,
/// the short way must write exactly as `JSONEncoder` does.
public enum SceneWireTarget {
    public static func run(_ input: [UInt8]) {
        if StructuredScenes.isJSON(input[...]) {
            check(input)
        } else if let json = StructuredScenes.json(from: input[...]) {
            let scene = Array(#"{"v":1,"type":"scene","body":"#.utf8) + json.prefix { $0 != 0 } + Array("}".utf8)
            check(scene)
        }
    }

    static func check(_ bytes: [UInt8]) {
        let (quick, codable) = WireCodec.decodeBothWays(bytes)
        if let quick {
            guard case let .success(frame) = codable, frame == quick else {
                fatalError("the short way read a frame JSONDecoder reads otherwise (\(codable)): \(String(decoding: bytes.prefix(400), as: UTF8.self))")
            }
        }
        guard case let .success(frame) = codable else { return }
        let written = WireCodec.encodeBothWays(frame)
        if let q = written.quick, q != written.codable {
            fatalError("the short way wrote a \(frame.message.type) frame otherwise than JSONEncoder: \(String(decoding: q.prefix(400), as: UTF8.self)) vs \(String(decoding: written.codable.prefix(400), as: UTF8.self))")
        }
    }
}
