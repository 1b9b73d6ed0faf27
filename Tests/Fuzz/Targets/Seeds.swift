import Engine
import Foundation

/// Writes the generated part of the seed corpus (`cobrowse-fuzz seed DIR`):
/// inputs made with the engine's own encoders and recording writer, so they
/// follow the formats as they are. Secrets in them are obviously fake
/// (all-zero card number, `FAKE` keys, 555 phone numbers, example domains).
public enum FuzzSeeds {
    public static func write(to root: URL) throws {
        for (target, files) in try all() {
            let dir = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        }
    }

    static func all() throws -> [(String, [(String, [UInt8])])] {
        [("wire-codec-socket", socket()), ("wire-codec-websocket", webSocket()), ("scene", scenes()), ("scene-wire", sceneFrames()),
         ("scene-render", renders()), ("recording-reader", try recordings())]
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    // MARK: Scenes with fake secrets

    /// A demo page with its leaked card number and API keys replaced by obviously fake ones.
    static func page(_ page: DemoSite.Page, version: Int, pointer: Point? = nil) -> Scene {
        var json = String(decoding: try! encoder.encode(DemoSite.scene(page, version: version, pointer: pointer)), as: UTF8.self)
        json = json.replacingOccurrences(of: "4242 4242 4242 4242", with: "0000 0000 0000 0000")
        json = json.replacingOccurrences(of: #"sk_(live|test)_[A-Za-z0-9]+"#, with: "sk_$1_FAKEFAKEFAKE0000", options: .regularExpression)
        return try! JSONDecoder().decode(Scene.self, from: Data(json.utf8))
    }

    /// One node of every kind, and text the redactor must catch.
    static let small = Scene(
        version: 3, viewport: Size(width: 1280, height: 720), scroll: Point(x: 0, y: 40),
        url: "https://app.example/billing?email=dana@example.com", title: "Billing",
        nodes: [.box("bg", Rect(x: 0, y: 0, width: 1280, height: 720), background: RGB(250, 250, 250), border: RGB(1, 2, 3)),
                .text("t", Rect(x: 10, y: 10, width: 200, height: 20), "Pay now — ünïcødé ✓ 全角", color: .black),
                .text("leak", Rect(x: 10, y: 100, width: 600, height: 40),
                      "card 0000 0000 0000 0000, ssn 123-45-6789, call (555) 010-0199, key sk_test_FAKEFAKEFAKE0000", color: .black),
                .field("f", Rect(x: 10, y: 40, width: 200, height: 24), label: "Name", value: "Dana"),
                .field("pw", Rect(x: 10, y: 160, width: 200, height: 24), label: "Password", value: "hunter2", type: "password"),
                .field("key", Rect(x: 10, y: 200, width: 300, height: 24), label: "API key", value: "FAKE0000FAKE0000FAKE0000", type: "text"),
                SceneNode(id: "img", kind: .image, rect: Rect(x: 0, y: 80, width: 2, height: 1),
                          pixels: PixelBlock(width: 2, height: 1, rgb: Data([255, 0, 0, 0, 0, 255]))),
                .mask("m", Rect(x: 10, y: 70, width: 200, height: 24), reason: "payment field")],
        pointer: Point(x: 5, y: 6))

    /// Screen mode: the page as 64x64 tiles of pixels.
    static let screen: Scene = {
        var nodes = [SceneNode]()
        for row in 0..<2 {
            for col in 0..<2 {
                let rgb = (0..<(16 * 16)).flatMap { i in [UInt8(i % 256), UInt8(col * 100), UInt8(row * 100)] }
                nodes.append(SceneNode(id: "screen-\(col)-\(row)", kind: .image, rect: Rect(x: Double(col) * 64, y: Double(row) * 64, width: 64, height: 64),
                                       pixels: PixelBlock(width: 16, height: 16, rgb: Data(rgb))))
            }
        }
        return Scene(version: 1, source: .screen, viewport: Size(width: 128, height: 128), url: "screen", title: "Screen mode: Display 1", nodes: nodes)
    }()

    static let deltas: [SceneDelta] = [
        SceneDelta(baseVersion: 3, version: 4, upserts: [.text("t", Rect(x: 1, y: 2, width: 3, height: 4), "x", color: .white)],
                   removed: ["img"], viewport: Size(width: 800, height: 600), scroll: Point(x: 1, y: 2),
                   url: "https://app.example/sso", title: "SSO", pointer: Point(x: 9, y: 9)),
        SceneDelta(baseVersion: 4, version: 5, upserts: [.field("f", Rect(x: 10, y: 40, width: 200, height: 24), label: "Card", value: "0000 0000 0000 0000", type: "cc-number")],
                   pointer: Point(x: 700, y: 500)),
        SceneDelta(baseVersion: 5, version: 6, removed: ["bg", "t", "nope"], scroll: Point(x: 0, y: 12_000)),
    ]

    /// One mark of every tool, on nodes and on the page.
    static let marks: [Annotation] = [
        Annotation(id: "a1", tool: .cursor, at: AnnotationAnchor(nodeId: "t", fx: 0.5, fy: 0.5, pageX: 100, pageY: 20)),
        Annotation(id: "a2", tool: .arrow, at: AnnotationAnchor(pageX: 10, pageY: 10), to: AnnotationAnchor(nodeId: "f", fx: 0, fy: 1, pageX: 10, pageY: 60)),
        Annotation(id: "a3", tool: .circle, at: AnnotationAnchor(pageX: 400, pageY: 300), to: AnnotationAnchor(pageX: 700, pageY: 500)),
        Annotation(id: "a4", tool: .rectangle, at: AnnotationAnchor(pageX: 0, pageY: 0), to: AnnotationAnchor(pageX: 1280, pageY: 720)),
        Annotation(id: "a5", tool: .label, at: AnnotationAnchor(nodeId: "img", pageX: 0, pageY: 80), text: "click here 全角"),
        Annotation(id: "a6", tool: .spotlight, at: AnnotationAnchor(pageX: 5, pageY: 5), to: AnnotationAnchor(pageX: 250, pageY: 90)),
    ]

    static func json<T: Encodable>(_ value: T) -> [UInt8] { Array(try! encoder.encode(value)) }
    static func joined(_ parts: [[UInt8]]) -> [UInt8] { Array(parts.joined(separator: [0])) }

    static func scenes() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = [
            ("small-with-deltas.json", joined([json(small)] + deltas.map(json))),
            ("screen-mode.json", json(screen)),
            ("delta-only.json", joined([Array("{}".utf8)] + deltas.map(json))),
        ]
        for p in DemoSite.Page.allCases {
            out.append(("demo-\(p.rawValue).json", joined([json(page(p, version: 7, pointer: Point(x: 600, y: 300))),
                                                           json(SceneDelta(baseVersion: 7, version: 8, pointer: Point(x: 10, y: 790)))])))
        }
        return out
    }

    /// Scene and delta frames as the engine writes them, and one as the SDK spells it.
    static func sceneFrames() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = [
            ("small.json", WireCodec.encode(.scene(small), id: 3)),
            ("screen.json", WireCodec.encode(.scene(screen))),
            ("sdk-spelling.json", Array(##"{"v":1,"type":"scene-delta","id":7,"body":{"baseVersion":41,"version":42,"upserts":[{"id":"btn","kind":"text","rect":{"x":12.5,"y":103.34375,"width":80,"height":18.5},"z":3,"text":"Pay \"now\" \u2014 \u20ac12.40","foreground":"#1D2330"}],"removed":["old"],"pointer":{"x":640.25,"y":-0.5},"title":"Zahlung"}}"##.utf8)),
        ]
        for (i, d) in deltas.enumerated() { out.append(("delta-\(i).json", WireCodec.encode(.sceneDelta(d), re: i))) }
        for p in DemoSite.Page.allCases { out.append(("demo-\(p.rawValue).json", WireCodec.encode(.scene(page(p, version: 7, pointer: Point(x: 600, y: 300)))))) }
        return out
    }

    static func renders() -> [(String, [UInt8])] {
        func size(_ c: Int, _ r: Int, _ flags: UInt8) -> [UInt8] { [UInt8(c >> 8), UInt8(c & 0xff), UInt8(r >> 8), UInt8(r & 0xff), flags] }
        let sizes: [(Int, Int, UInt8)] = [(80, 24, 0), (1, 1, 0), (0, 10, 0), (10, 0, 1), (400, 150, 2), (60, 16, 3), (200, 60, 0), (20, 5, 1), (160, 45, 2)]
        var out = [(String, [UInt8])]()
        for (i, (c, r, f)) in sizes.enumerated() {
            let scene: [UInt8]
            switch i % 3 {
            case 0: scene = joined([json(small)] + deltas.map(json))
            case 1: scene = json(page(DemoSite.Page.allCases[i % 4], version: 1, pointer: Point(x: 640, y: 400)))
            default: scene = json(screen)
            }
            out.append(("\(c)x\(r)-\(f).json", size(c, r, f) + scene))
        }
        out.append(("annotated-160x45.json", size(160, 45, 0) + joined([json(small)] + marks.map(json)
            + [json(AgentPointer(at: AnnotationAnchor(pageX: 300, pageY: 200), author: "Maria S.")), json(AgentPointer(at: nil))])))
        return out
    }

    // MARK: Transports

    /// Frames a console or a customer sends, and a few it should never send.
    static let messages: [String] = [
        #"{"v":1,"type":"hello","id":1,"body":{"protocolVersion":1,"client":"cobrowse console"}}"#,
        #"{"v":1,"type":"hello","id":1,"body":{"protocolVersion":1,"client":"cobrowse.js 1.0","token":"tok-FAKE"}}"#,
        #"{"v":1,"type":"hello","id":1,"body":{"protocolVersion":1,"client":"cobrowse.js 1.0","resumeKey":"rk-FAKE"}}"#,
        #"{"v":1,"type":"lobby-request","id":2,"body":{}}"#,
        #"{"v":1,"type":"start-session","id":3,"body":{"ticketId":"T-7","record":true,"landingURL":"https://app.example/"}}"#,
        #"{"v":1,"type":"attach","id":4,"body":{"sessionId":"S-1","watch":false}}"#,
        #"{"v":1,"type":"add-note","id":5,"body":{"text":"Customer on Safari 17, card 0000 0000 0000 0000"}}"#,
        #"{"v":1,"type":"request-mode","id":6,"body":{"mode":"full-control","reason":"needs help with SSO"}}"#,
        #"{"v":1,"type":"request-extension","id":7,"body":{"minutes":15}}"#,
        #"{"v":1,"type":"annotate","id":8,"body":{"op":"add","annotation":{"id":"a1","tool":"arrow","at":{"nodeId":"t","fx":0.5,"fy":0.5,"pageX":100,"pageY":20},"to":{"pageX":300,"pageY":400},"text":"here"}}}"#,
        #"{"v":1,"type":"agent-pointer","id":9,"body":{"at":{"pageX":10.5,"pageY":99}}}"#,
        #"{"v":1,"type":"control-action","id":10,"body":{"id":"act-1","kind":"scroll","dx":0,"dy":400}}"#,
        #"{"v":1,"type":"control-action","id":11,"body":{"id":"act-2","kind":"type","target":"f","text":"Northwind"}}"#,
        #"{"v":1,"type":"consent","body":{"allow":true,"access":"controlled","record":true}}"#,
        #"{"v":1,"type":"pong","body":{"seq":7}}"#,
        #"{"v":1,"type":"survey","body":{"stars":4,"comment":"Quick fix, thanks. Call me at (555) 010-0199"}}"#,
        #"{"v":1,"type":"page-event","body":{"kind":"network","text":"GET /api/cart -> 500"}}"#,
        #"{"v":1,"type":"open-recording","id":12,"body":{"recordingId":"R-1","reason":"training"}}"#,
        #"{"v":1,"type":"end-session","id":13,"body":{}}"#,
        #"{"v":2,"type":"hello","id":14,"body":{}}"#,
        #"{"v":1,"type":"no-such-type","id":15}"#,
        #"{"v":1,"type":"add-note","id":16,"body":{}}"#,
        #"[1,2,3]"#,
    ]

    static func socket() -> [(String, [UInt8])] {
        let frames = messages.map { Array($0.utf8) }
        let scene = WireCodec.encode(.scene(small), id: 20), delta = WireCodec.encode(.sceneDelta(deltas[0]), id: 21)
        return [
            ("console-messages", [1] + joined(Array(frames[0...12]))),
            ("customer-messages", [1] + joined([frames[1]] + Array(frames[13...18]) + [scene, delta])),
            ("refused-messages", [1] + joined(Array(frames[19...]))),
            ("stream-hello-note", [0] + LengthPrefixFramer.frame(frames[0]) + LengthPrefixFramer.frame(frames[6])),
            ("stream-oversized-then-hello", [0, 0x00, 0x20, 0x00, 0x00] + Array(repeating: 0x41, count: 64) + LengthPrefixFramer.frame(frames[0])),
            ("stream-cut-short", [0] + Array(LengthPrefixFramer.frame(frames[4]).dropLast(7))),
            ("stream-empty-frame", [0, 0, 0, 0, 0] + LengthPrefixFramer.frame(frames[3])),
        ]
    }

    static func webSocket() -> [(String, [UInt8])] {
        let frames = messages.map { Array($0.utf8) }
        let scene = WireCodec.encode(.scene(small), id: 20)
        func frame(_ payload: [UInt8], opcode: UInt8 = 1, fin: Bool = true) -> [UInt8] {
            WireCodecWebSocketTarget.maskedTextFrame(payload, opcode: opcode, fin: fin)
        }
        let half = frames[1].count / 2
        return [
            ("customer-messages", [1] + joined([frames[1]] + Array(frames[13...18]) + [scene])),
            ("refused-messages", [1] + joined(Array(frames[19...]))),
            ("raw-hello-ping-close", [0] + frame(frames[1]) + frame(Array("hi".utf8), opcode: 0x9) + frame([0x03, 0xe8], opcode: 0x8)),
            ("raw-fragmented", [0] + frame(Array(frames[1][..<half]), fin: false) + frame([], opcode: 0, fin: false)
                + frame(Array(frames[1][half...]), opcode: 0) + frame(frames[14], opcode: 0x2)),
            ("raw-unmasked", [0, 0x81, UInt8(frames[14].count)] + frames[14]),
            ("raw-pong-close-then-text", [0] + frame([], opcode: 0xA) + frame([0x0f, 0xa0], opcode: 0x8) + frame(frames[14])),
            ("raw-continuation-first", [0] + frame(frames[14], opcode: 0) + frame(frames[14], opcode: 0x3)),
            ("raw-huge-length", [0, 0x81, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4]),
        ]
    }

    // MARK: Recordings

    /// A real recording of a few seconds, written by the engine's recorder with
    /// the fuzzer's known master key; the same chunks opened again as
    /// plaintexts for the sealed input form; a cut-short copy and one without
    /// its final chunk.
    static func recordings() throws -> [(String, [UInt8])] {
        let dir = NSTemporaryDirectory() + "cobrowse-fuzz-seed-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/cobrowse.sqlite")
        let service = EncryptedRecordingService(dataDirectory: dir, index: store, keySource: RecordingReaderTarget.keyRing.source,
                                                policy: RecordingPolicy(backgroundFlush: false))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let summary = SessionSummary(id: "S-1", ticket: Ticket(id: "T-1", subject: "Billing page broken", customer: "Dana W."),
                                     agentName: "Maria S.", status: .active, recording: true, createdAt: start, startedAt: start)

        func record(seconds: Double, finish: Bool) throws -> [UInt8] {
            let recording = try service.startRecording(session: summary, at: start)
            guard let writer = recording as? RecordingWriter else { fatalError("the recorder is not a RecordingWriter") }
            try writer.append(.summary(summary), at: start)
            try writer.append(.scene(page(.billing, version: 1)), at: start)
            var version = 1, t = 0.5
            while t < seconds {
                try writer.append(.sceneDelta(SceneDelta(baseVersion: version, version: version + 1, pointer: Point(x: t * 100, y: 300))),
                                  at: start.addingTimeInterval(t))
                version += 1
                if t == 1.5 { try writer.append(.note(NoteEntry(at: start.addingTimeInterval(t), author: "Maria S.", text: "asked about invoices")), at: start.addingTimeInterval(t)) }
                if t == 2.0 { try writer.append(.scene(page(.billing, version: version)), at: start.addingTimeInterval(t)) } // stored as a repeat
                t += 0.5
            }
            if finish { try writer.finish(at: start.addingTimeInterval(seconds)) }
            let path = (EncryptedRecordingService.recordingsDirectory(dir) as NSString).appendingPathComponent("\(writer.recordingId).cbrec")
            return Array(FileManager.default.contents(atPath: path)!)
        }

        let complete = try record(seconds: 3, finish: true)
        let unfinished = try record(seconds: 2.5, finish: false)
        var out: [(String, [UInt8])] = [
            ("recording-complete.cbrec", complete),
            ("recording-unfinished.cbrec", unfinished),
            ("recording-cut-short.cbrec", Array(complete.dropLast(40))),
        ]
        // The complete recording's chunk plaintexts, for the sealed form.
        let plaintexts = try openChunks(complete)
        guard !plaintexts.isEmpty else { fatalError("the seed recording has no chunks") }
        func sealedForm(_ flags: UInt8, _ chunks: [[UInt8]]) -> [UInt8] {
            [flags] + chunks.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xff)] + $0 }
        }
        out.append(("sealed-v2-chunks", sealedForm(0, plaintexts)))
        out.append(("sealed-v2-no-final", sealedForm(2, Array(plaintexts.prefix(1)))))
        // Version 1 stores the event batch itself; build one from a stored version 2 plaintext, or from scratch.
        let events = RecordingFormat.encodeEvents([
            RecordedEvent(offsetMs: 0, message: .summary(summary)),
            RecordedEvent(offsetMs: 0, message: .scene(small)),
            RecordedEvent(kind: .sceneRepeat, offsetMs: 500, message: .scene(small)),
            RecordedEvent(offsetMs: 900, message: .sceneDelta(deltas[0])),
        ])
        out.append(("sealed-v1-events", sealedForm(1, [events])))
        out.append(("sealed-v2-stored", sealedForm(0, [[0] + RecordingReaderTarget.bigEndian(UInt32(events.count)) + events])))
        return out
    }

    /// Authenticates and decrypts each chunk of a file written with the known key
    /// (the framing of `RecordingFormat.sealChunk`), giving the plaintexts as stored.
    static func openChunks(_ file: [UInt8]) throws -> [[UInt8]] {
        let parsed = try RecordingFormat.parseHeader(file)
        let key = try RecordingReaderTarget.keyRing.unwrap(parsed.wrappedKey, boundTo: parsed.headerJSON)
        var plaintexts = [[UInt8]](), offset = parsed.chunksStart
        func be32(_ i: Int) -> UInt32 { file[i ..< i + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        while offset + 21 <= file.count {
            let length = Int(be32(offset)), index = be32(offset + 4), flags = file[offset + 8]
            let nonce = Array(file[offset + 9 ..< offset + 21]), start = offset + 21
            guard start + length <= file.count else { break }
            let aad = RecordingReaderTarget.chunkAAD(recordingId: parsed.header.recordingId, index: index, flags: flags, version: parsed.version)
            plaintexts.append(try AESGCM.open(Array(file[start ..< start + length]), key: key, nonce: nonce, aad: aad))
            offset = start + length
        }
        return plaintexts
    }
}
