import Engine
import Foundation

/// The recording reader on file bytes, with a master key the fuzzer knows.
///
/// An input that starts with the recording magic is a whole file (the seeds
/// are real recordings written with `knownKey`). Any other input is a flags
/// byte (bit 0: format version 1, bit 1: leave the last chunk without its
/// final flag) and chunk plaintexts (2-byte big-endian length, then the
/// bytes) that are sealed here with the known key, so the fuzzer reaches
/// what comes after authentication: unpacking, zlib, event framing, the codec.
///
/// Each file is read eagerly (`scan()`) and lazily (`openLazily().scan()`,
/// what the library uses); the two must give the same events and ending.
public enum RecordingReaderTarget {
    public final class KnownKey: KeySource {
        public let keyID = "fuzz:known"
        public init() {}
        public func masterKey() throws -> [UInt8] { Array(1...32) }
    }

    public static let keyRing = KeyRing(source: KnownKey())

    public static func run(_ input: [UInt8]) {
        _ = scan(input)
    }

    /// The eager scan of the input's file, nil when it does not open at all.
    public static func scan(_ input: [UInt8]) -> RecordingScan? {
        let file = input.starts(with: RecordingFormat.magic) ? input : sealedFile(input)
        guard var eager = try? RecordingReader(bytes: file, keyRing: keyRing) else { return nil }
        let scan = eager.scan()
        _ = scan.ending()
        guard var again = try? RecordingReader(bytes: file, keyRing: keyRing) else {
            fatalError("a recording that opened once does not open again")
        }
        let lazy = again.openLazily()
        _ = lazy.ending()
        let full = lazy.scan()
        precondition(full.events == scan.events, "the lazy scan decodes \(full.events.count) events, the eager one \(scan.events.count)")
        precondition(full.failure == scan.failure && full.chunks == scan.chunks && full.trailer == scan.trailer,
                     "the lazy scan ends differently: \(String(describing: full.failure)) after \(full.chunks) chunks, "
                         + "the eager one \(String(describing: scan.failure)) after \(scan.chunks)")
        return scan
    }

    // MARK: Sealing chunk plaintexts with the known key

    public static let header = RecordingHeader(recordingId: "R-fuzz", sessionId: "S-fuzz", createdAtMs: 1_800_000_000_000, keyId: "fuzz:known")
    public static let dataKey = [UInt8](repeating: 0x5a, count: AESGCM.keyBytes)
    static let headers: [UInt16: [UInt8]] = {
        do {
            let wrapped = try keyRing.wrap(dataKey, boundTo: RecordingFormat.headerJSON(header))
            return [1: RecordingFormat.encodeHeader(header, wrappedKey: wrapped, version: 1),
                    2: RecordingFormat.encodeHeader(header, wrappedKey: wrapped, version: 2)]
        } catch {
            fatalError("cannot wrap the fuzzer's data key: \(error)")
        }
    }()

    static func sealedFile(_ input: [UInt8]) -> [UInt8] {
        guard let flags = input.first else { return [] }
        let version: UInt16 = flags & 1 == 0 ? 2 : 1
        var plaintexts = [[UInt8]]()
        var i = 1
        while i + 2 <= input.count {
            let n = Int(input[i]) << 8 | Int(input[i + 1])
            let start = i + 2, end = min(input.count, start + n)
            plaintexts.append(Array(input[start ..< end]))
            i = end
        }
        var file = headers[version]!
        for (index, plain) in plaintexts.enumerated() {
            let final = index == plaintexts.count - 1 && flags & 2 == 0
            file += seal(plain, index: UInt32(index), final: final, version: version)
        }
        return file
    }

    /// One chunk as `RecordingFormat.sealChunk` frames it, around plaintext bytes
    /// given as they are: length, index, flags, nonce, AES-GCM of the plaintext.
    public static func seal(_ plain: [UInt8], index: UInt32, final: Bool, version: UInt16) -> [UInt8] {
        let flags: UInt8 = final ? 1 : 0
        let nonce = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: AESGCM.nonceBytes)
        let sealed = AESGCM.seal(plain, key: dataKey, nonce: nonce, aad: chunkAAD(index: index, flags: flags, version: version))
        return bigEndian(UInt32(sealed.count)) + bigEndian(index) + [flags] + nonce + sealed
    }

    /// The chunk's associated data, as `RecordingFormat.chunkAAD` builds it.
    public static func chunkAAD(recordingId: String = header.recordingId, index: UInt32, flags: UInt8, version: UInt16) -> [UInt8] {
        Array((version == 1 ? "cobrowse-chunk-v1" : "cobrowse-chunk-v2").utf8) + Array(recordingId.utf8) + [0] + bigEndian(index) + [flags]
    }

    static func bigEndian(_ n: UInt32) -> [UInt8] { [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] }
}
