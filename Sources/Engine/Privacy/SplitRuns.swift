import Foundation

/// A page can split a secret over neighbouring text runs of one line:
/// "4111 1111 <b>1111 1111</b>" reaches the engine as two runs, neither of
/// which holds a whole card number. The redactor joins the runs of a line the
/// way a reader sees them and hides what spans them: the first run's part
/// becomes the kind's mask, the later runs' parts go.
///
/// Only runs that sit side by side count (same line, a space's width apart at
/// most). Scanning is bounded whatever the page sends: a long run takes part
/// with its two edges only (a secret inside it is the per-run scan's), and
/// a joined line is scanned in windows of at most `window` UTF-16 units.
struct SplitRuns {
    struct Run {
        var id: String
        var rect: Rect
        var text: String
    }

    /// How much of a long run's edge may belong to a secret that spans into it.
    static let edge = 64
    static let window = 1024

    /// The runs of one line that touch, left to right; a chain of one needs nothing.
    static func chains(_ runs: [Run]) -> [[Run]] {
        let sorted = runs.filter { !$0.text.isEmpty && $0.rect.height > 0 }
            .sorted { ($0.rect.y, $0.rect.x) < ($1.rect.y, $1.rect.x) }
        var lines: [[Run]] = []
        var line: [Run] = []
        for r in sorted {
            if let first = line.first, !sameLine(first.rect, r.rect) { lines.append(line); line = [] }
            line.append(r)
        }
        if !line.isEmpty { lines.append(line) }
        var out: [[Run]] = []
        for l in lines {
            var chain: [Run] = []
            for r in l.sorted(by: { $0.rect.x < $1.rect.x }) {
                if let last = chain.last, gap(last.rect, r.rect) == nil {
                    if chain.count > 1 { out.append(chain) }
                    chain = []
                }
                chain.append(r)
            }
            if chain.count > 1 { out.append(chain) }
        }
        return out
    }

    /// A run's band of the page, 32 px tall: runs of one line (centres within 30% of a height of each other,
    /// for text up to 100 px tall) fall in the same band or the next.
    static func band(_ r: Rect) -> Int {
        let mid = r.y + r.height / 2
        return mid.isFinite ? Int(max(-1e12, min(1e12, mid / 32)).rounded(.down)) : 0
    }

    static func sameLine(_ a: Rect, _ b: Rect) -> Bool {
        let h = max(a.height, b.height)
        return abs((a.y + a.height / 2) - (b.y + b.height / 2)) <= max(2, 0.3 * h)
    }

    /// The space between two runs of a line, or nil when they are too far apart to be read as one.
    static func gap(_ a: Rect, _ b: Rect) -> Double? {
        let h = max(a.height, b.height), g = b.x - a.maxX
        return g >= -0.5 * h && g <= 0.8 * h ? max(g, 0) : nil
    }

    /// What joins two runs when read: nothing when either side already has a space or they touch.
    static func joiner(_ a: Run, _ b: Run) -> String {
        if a.text.last?.isWhitespace == true || b.text.first?.isWhitespace == true { return "" }
        return (gap(a.rect, b.rect) ?? 0) > 0.15 * max(a.rect.height, b.rect.height) ? " " : ""
    }

    /// One piece of a joined line: a run's text from `start` (UTF-16 offset in the run).
    struct Piece { var run: Int; var start: Int; var text: String }

    /// The joined strings a chain is scanned as; each is a list of pieces with joiners between.
    static func windows(_ chain: [Run]) -> [[(piece: Piece, joiner: String)]] {
        var out: [[(piece: Piece, joiner: String)]] = []
        var current: [(piece: Piece, joiner: String)] = []
        var length = 0
        func flush() { if current.count > 1 { out.append(current) }; current = []; length = 0 }
        for (i, run) in chain.enumerated() {
            let join = i == 0 ? "" : joiner(chain[i - 1], run)
            let long = run.text.count > 2 * edge
            let head = long ? String(run.text.prefix(edge)) : run.text
            if length + head.utf16.count > window { flush() }
            current.append((Piece(run: i, start: 0, text: head), current.isEmpty ? "" : join))
            length += head.utf16.count + join.utf16.count
            if long || length > window {
                // What follows can only join the run's end.
                flush()
                let tail = long ? String(run.text.suffix(edge)) : run.text
                let start = run.text.utf16.count - tail.utf16.count
                current.append((Piece(run: i, start: start, text: tail), ""))
                length = tail.utf16.count
            }
        }
        flush()
        return out
    }
}

extension Redactor {
    /// The new text of every run that held part of a secret spanning runs of its line.
    /// With `only`, just the lines that hold one of those runs (the rest were joined when they came).
    func acrossRuns(_ runs: [SplitRuns.Run], only: Set<String>? = nil, into hits: inout [RedactionHit]) -> [String: String] {
        var edits: [Int: [(range: NSRange, with: String)]] = [:]
        var changed: [String: String] = [:]
        var runs = runs
        if let only {
            // A delta changes some runs: only their lines can hold a new split secret.
            // Lines are bucketed by height on the page, so this is one pass, not runs × changes.
            let lines = Set(runs.lazy.filter { only.contains($0.id) }.map { SplitRuns.band($0.rect) })
            runs = runs.filter { r in let b = SplitRuns.band(r.rect); return lines.contains(b) || lines.contains(b - 1) || lines.contains(b + 1) }
        }
        for chain in SplitRuns.chains(runs) {
            if let only, !chain.contains(where: { only.contains($0.id) }) { continue }
            edits = [:]
            for window in SplitRuns.windows(chain) {
                var joined = ""
                var starts: [Int] = []
                for (piece, join) in window {
                    joined += join
                    starts.append(joined.utf16.count)
                    joined += piece.text
                }
                for found in scan(joined) {
                    let end = found.range.location + found.range.length
                    let touched = window.indices.filter { k in
                        let s = starts[k], e = s + window[k].piece.text.utf16.count
                        return s < end && found.range.location < e
                    }
                    guard touched.count > 1, let first = touched.first else { continue }
                    for k in touched {
                        let piece = window[k].piece
                        let s = max(found.range.location, starts[k]) - starts[k]
                        let e = min(end, starts[k] + piece.text.utf16.count) - starts[k]
                        let range = NSRange(location: piece.start + s, length: e - s)
                        // A window shares a run with the next: the same part is hidden once.
                        if edits[piece.run]?.contains(where: { NSIntersectionRange($0.range, range).length > 0 }) == true { continue }
                        edits[piece.run, default: []].append((range, k == first ? found.kind.maskText : ""))
                    }
                    hits.append(RedactionHit(kind: found.kind, nodeId: chain[window[first].piece.run].id))
                }
            }
            for (i, list) in edits {
                let text = NSMutableString(string: chain[i].text)
                for edit in list.sorted(by: { $0.range.location > $1.range.location }) {
                    text.replaceCharacters(in: edit.range, with: edit.with)
                }
                changed[chain[i].id] = String(text)
            }
        }
        return changed
    }

    /// The text nodes of `nodes` that can hold part of a split secret, as
    /// runs, with the per-run redaction already done. Every secret a page
    /// splits in practice (card numbers, SSNs, phone numbers, keys) has digits
    /// on both sides of the split, so a run without one, in ASCII or beyond,
    /// takes no part: a page of prose costs nothing here.
    static func runs(_ nodes: some Sequence<SceneNode>) -> [SplitRuns.Run] {
        nodes.compactMap { n in
            guard n.kind == .text, let t = n.text, !t.isEmpty, t.utf8.contains(where: { ($0 >= 48 && $0 <= 57) || $0 >= 0x80 }) else { return nil }
            return SplitRuns.Run(id: n.id, rect: n.rect, text: t)
        }
    }

    /// `node` with the text the line gave it.
    static func rewritten(_ node: SceneNode, _ text: String) -> SceneNode {
        var out = node
        out.text = text
        out.redacted = true
        return out
    }
}
