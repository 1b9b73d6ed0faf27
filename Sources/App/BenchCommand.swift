import ArgumentParser
import Foundation
import TerminalUI

/// `cobrowse bench …`: measurements that back claims in the design notes.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the console's blitters, recordings and the engine under load.",
        subcommands: [Blit.self, ScoreANSI.self, RecordingBench.self, LoadBench.self, CodecBench.self]
    )

    static let methodNote = """
    Error method: the source is box-filtered once to COLS*2 x ROWS*4 pixels (the braille \
    dot grid); each cell is turned back into 2x4 pixels by its glyph's coverage mask painted \
    with its fg/bg colours (braille dots, ▀ upper/lower half, space = background); error is the \
    mean absolute difference per RGB channel over all those pixels (0-255, lower is better). \
    PSNR in dB is printed alongside. score-ansi applies the same method to another program's output.
    """

    struct Blit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "blit",
            abstract: "Time turning one decoded PPM frame into cells and score the cells against the source.",
            discussion: "Only image→cells is timed (downsample + per-cell colour/glyph choice); decoding happens once. Prints the median over the iterations; the last line is `blit COLSxROWS SYMBOLS median_ms=X.XXX error=Y.YYY`.\n\n" + BenchCommand.methodNote
        )

        @Option(name: .long, help: "braille (2x4 dots) or half (▀ 1x2 blocks).")
        var symbols: String = "braille"

        @Option(name: .long, help: "Output size in cells, COLSxROWS (e.g. 160x45).")
        var size: String = "160x45"

        @Option(name: .long, help: "Timed iterations (after 3 warm-up runs).")
        var iterations: Int = 1000

        @Argument(help: "A binary PPM (P6) picture.")
        var file: String

        func validate() throws {
            guard BlitSymbols(rawValue: symbols) != nil else { throw ValidationError("--symbols must be braille or half, got '\(symbols)'") }
            _ = try parseCellSize(size)
            guard iterations > 0, iterations <= 1_000_000 else { throw ValidationError("--iterations must be 1...1000000") }
        }

        func run() throws {
            let (cols, rows) = try parseCellSize(size)
            let kind = BlitSymbols(rawValue: symbols)!
            let image = try loadPPM(file)
            let blitter = Blitter(symbols: kind)
            var cells: [BlitCell] = []
            for _ in 0..<3 { blitter.blit(image, columns: cols, rows: rows, into: &cells) }
            var times: [Double] = []
            times.reserveCapacity(iterations)
            for _ in 0..<iterations {
                let t0 = DispatchTime.now().uptimeNanoseconds
                blitter.blit(image, columns: cols, rows: rows, into: &cells)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000)
            }
            times.sort()
            let median = times[times.count / 2]
            let score = BlitFidelity.score(cells, columns: cols, rows: rows, source: image)
            print("source: \(file) \(image.width)x\(image.height)")
            print("cells: \(cols)x\(rows) \(kind.rawValue), iterations: \(iterations)")
            print(String(format: "time ms: min=%.3f median=%.3f p90=%.3f", times[0], median, times[times.count * 9 / 10]))
            print(String(format: "error: mae=%.3f (per channel, 0-255) psnr=%.2f dB", score.meanAbsoluteError, score.psnr))
            print(String(format: "blit %dx%d %@ median_ms=%.3f error=%.3f", cols, rows, kind.rawValue, median, score.meanAbsoluteError))
        }
    }

    struct ScoreANSI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score-ansi",
            abstract: "Score another program's ANSI cell output (e.g. chafa) against the PPM it drew, with blit's metric.",
            discussion: "Reads characters with SGR 38;2/48;2 (or 38;5/48;5) colours, one cell per character, one row per line. The last line is `score COLSxROWS error=Y.YYY`.\n\n" + BenchCommand.methodNote
        )

        @Option(name: .long, help: "The size the output was drawn at, COLSxROWS.")
        var size: String

        @Argument(help: "The source PPM (P6).")
        var file: String

        @Argument(help: "The captured output (use - for standard input).")
        var output: String

        func validate() throws { _ = try parseCellSize(size) }

        func run() throws {
            let (cols, rows) = try parseCellSize(size)
            let image = try loadPPM(file)
            let data: Data
            if output == "-" { data = FileHandle.standardInput.readDataToEndOfFile() }
            else { data = try readFile(output) }
            let parsed = ANSICells.parse(String(decoding: data, as: UTF8.self))
            let widest = parsed.map(\.count).max() ?? 0
            let cells = ANSICells.frame(String(decoding: data, as: UTF8.self), columns: cols, rows: rows)
            let score = BlitFidelity.score(cells, columns: cols, rows: rows, source: image)
            print("parsed: \(widest)x\(parsed.count) cells (scored as \(cols)x\(rows))")
            print(String(format: "error: mae=%.3f (per channel, 0-255) psnr=%.2f dB", score.meanAbsoluteError, score.psnr))
            print(String(format: "score %dx%d error=%.3f", cols, rows, score.meanAbsoluteError))
        }
    }
}

func parseCellSize(_ text: String) throws -> (Int, Int) {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let c = Int(parts[0]), let r = Int(parts[1]), (1...2000).contains(c), (1...2000).contains(r) else {
        throw ValidationError("size must be COLSxROWS with 1...2000 each, got '\(text)'")
    }
    return (c, r)
}

private func readFile(_ path: String) throws -> Data {
    guard let d = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return d
}

private func loadPPM(_ path: String) throws -> RGBImage {
    do { return try PPM.decode(readFile(path)) } catch let e as PPMError { throw ValidationError("\(path): \(e)") }
}
