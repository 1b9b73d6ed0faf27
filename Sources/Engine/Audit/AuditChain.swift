import Foundation

/// The hash chain of the audit log (SOC 2 trail): each row's hash covers the
/// previous row's hash, so editing or deleting a row breaks every later link.
/// Kept apart from the store so another store computes exactly the same chain.
public enum AuditChain {
    /// The prevHash of the first row.
    public static let genesis = String(repeating: "0", count: 64)

    /// hash = SHA-256(prevHash | seq | at | actor | action | sessionId | detail).
    /// `at` is whole milliseconds since 1970 (what the store keeps, so it
    /// re-hashes exactly); `|` and `\` inside fields are escaped so no two
    /// different rows can join to the same input.
    public static func hash(prevHash: String, seq: Int64, atMs: Int64, actor: String, action: String,
                            sessionId: String?, detail: String) -> String {
        let fields = [prevHash, String(seq), String(atMs), actor, action, sessionId ?? "", detail].map(escape)
        return Digest.sha256Hex(fields.joined(separator: "|"))
    }

    public static func hash(of e: AuditEntry) -> String {
        hash(prevHash: e.prevHash, seq: e.seq, atMs: milliseconds(e.at), actor: e.actor, action: e.action,
             sessionId: e.sessionId, detail: e.detail)
    }

    /// Checks a whole chain in seq order: consecutive seqs from 1, each prevHash
    /// the hash before it, each hash recomputed. Throws at the first bad row.
    public static func verify(_ entries: [AuditEntry]) throws {
        var prev = genesis
        var expected: Int64 = 1
        for e in entries {
            // A gap means a deleted row: report the first seq that is missing.
            guard e.seq == expected else { throw StoreError.auditChainBroken(atSeq: expected) }
            guard e.prevHash == prev, hash(of: e) == e.hash else { throw StoreError.auditChainBroken(atSeq: e.seq) }
            prev = e.hash
            expected += 1
        }
    }

    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(milliseconds ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    static func escape(_ s: String) -> String {
        guard s.contains("|") || s.contains("\\") else { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
    }
}
