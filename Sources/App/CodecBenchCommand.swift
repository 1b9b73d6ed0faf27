import ArgumentParser
@_spi(CodecCheck) import Engine
import Foundation

/// `cobrowse bench codec`: what one scene and one delta cost to read and to
/// write, the codec's way and Foundation's `JSONDecoder`/`JSONEncoder` way
/// (the peer), in the same run on the same frames.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Time reading and writing a scene and a delta: the codec against JSONDecoder/JSONEncoder.",
        discussion: """
        The frames are the load bench's (`bench load`): a page of --nodes nodes as the SDK sends \
        it on join and every 5 s, and a delta of the few nodes typing, hovering and an autosave \
        change. Each figure is the median of --rounds rounds of --iterations calls, in \
        microseconds per frame. The last line is `codec nodes=N scene_bytes=… delta_bytes=… \
        scene_read_us=… scene_read_jsondecoder_us=… delta_read_us=… delta_read_jsondecoder_us=… \
        scene_write_us=… scene_write_jsonencoder_us=… delta_write_us=… delta_write_jsonencoder_us=…`.
        """
    )

    @Option(name: .long, help: "Nodes in the page.")
    var nodes: Int = 200

    @Option(name: .long, help: "Calls a round.")
    var iterations: Int = 200

    @Option(name: .long, help: "Rounds; the median is printed.")
    var rounds: Int = 9

    func validate() throws {
        guard (10 ... 5_000).contains(nodes) else { throw ValidationError("--nodes must be 10...5000") }
        guard (1 ... 100_000).contains(iterations), (1 ... 99).contains(rounds) else { throw ValidationError("--iterations must be 1...100000 and --rounds 1...99") }
    }

    func run() throws {
        try LoadScene.selfCheck(nodes: nodes)
        var page = LoadScene(session: 1, nodes: nodes)
        let sceneBytes = page.fullFrame(stampedAt: 1_000_000)
        let deltaBytes = page.deltaFrame(seq: 1, stampedAt: 2_000_000).frame
        let scene = try WireCodec.decode(sceneBytes), delta = try WireCodec.decode(deltaBytes)
        let sceneData = Data(sceneBytes), deltaData = Data(deltaBytes)

        var figures: [(String, Double)] = []
        func time(_ name: String, _ body: () throws -> Void) rethrows {
            var medians: [Double] = []
            for _ in 0 ..< rounds {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0 ..< iterations { try body() }
                medians.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(iterations) / 1_000)
            }
            figures.append((name, medians.sorted()[rounds / 2]))
        }
        var sink = 0
        try time("scene_read") { sink &+= try WireCodec.decode(sceneBytes).id ?? 1 }
        try time("scene_read_jsondecoder") { sink &+= try WireCodec.codableDecode(sceneData).id ?? 1 }
        try time("delta_read") { sink &+= try WireCodec.decode(deltaBytes).id ?? 1 }
        try time("delta_read_jsondecoder") { sink &+= try WireCodec.codableDecode(deltaData).id ?? 1 }
        time("scene_write") { sink &+= WireCodec.encode(scene).count }
        time("scene_write_jsonencoder") { sink &+= WireCodec.codableEncode(scene).count }
        time("delta_write") { sink &+= WireCodec.encode(delta).count }
        time("delta_write_jsonencoder") { sink &+= WireCodec.codableEncode(delta).count }
        guard sink != 0 else { throw ValidationError("nothing was measured") }

        print("codec bench: a \(nodes)-node page (\(sceneBytes.count) bytes) and a delta (\(deltaBytes.count) bytes); median of \(rounds) rounds of \(iterations)")
        for (name, us) in figures { print("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(String(format: "%9.1f", us)) µs") }
        let f = Dictionary(uniqueKeysWithValues: figures)
        for (what, ours, peer) in [("scene read", "scene_read", "scene_read_jsondecoder"), ("delta read", "delta_read", "delta_read_jsondecoder"),
                                   ("scene write", "scene_write", "scene_write_jsonencoder"), ("delta write", "delta_write", "delta_write_jsonencoder")] {
            print("  \(what): \(String(format: "%.1f", f[peer]! / f[ours]!))× faster than Foundation's")
        }
        let line = figures.map { "\($0.0)_us=\(String(format: "%.1f", $0.1))" }.joined(separator: " ")
        print("codec nodes=\(nodes) scene_bytes=\(sceneBytes.count) delta_bytes=\(deltaBytes.count) \(line)")
    }
}
