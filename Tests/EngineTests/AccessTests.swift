import XCTest
@testable import Engine

final class AccessTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func testSHA256KnownVectors() {
        XCTAssertEqual(Digest.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Digest.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.sha256([0x61, 0x62, 0x63]).count, 32)
    }

    func testOneTimeLinksAre256RandomBitsAndOnlyTheHashIsKept() {
        let a = OneTimeLink.mint(), b = OneTimeLink.mint()
        XCTAssertNotEqual(a.token, b.token)
        XCTAssertEqual(a.token.count, 43, "32 bytes in base64url without padding")
        XCTAssertTrue(OneTimeLink.isWellFormed(a.token))
        XCTAssertFalse(a.token.contains("=") || a.token.contains("+") || a.token.contains("/"))
        XCTAssertEqual(a.hash, Digest.sha256Hex(a.token))
        XCTAssertEqual(a.hash, OneTimeLink.hash(token: a.token))
        XCTAssertEqual(a.hash.count, 64)
        XCTAssertFalse(OneTimeLink.isWellFormed("short"))
        XCTAssertFalse(OneTimeLink.isWellFormed(String(repeating: "a", count: 42) + "!"))
        // 1,000 tokens, no repeats, and every base64url character shows up: the bytes are not constant.
        let tokens = (0..<1000).map { _ in OneTimeLink.mint().token }
        XCTAssertEqual(Set(tokens).count, 1000)
        XCTAssertGreaterThanOrEqual(Set(tokens.joined()).count, 64)
        XCTAssertEqual(SecureRandom.bytes(16).count, 16)
        XCTAssertNotEqual(SecureRandom.bytes(16), SecureRandom.bytes(16))
    }

    func testLinkCheck() {
        let link = LinkRecord(tokenHash: "h", sessionId: "S-1", createdAt: t0, expiresAt: t0.addingTimeInterval(900))
        XCTAssertEqual(LinkCheck.evaluate(nil, now: t0), .unknown)
        XCTAssertEqual(LinkCheck.evaluate(link, now: t0.addingTimeInterval(899)), .valid)
        XCTAssertEqual(LinkCheck.evaluate(link, now: t0.addingTimeInterval(900)), .expired)
        var used = link
        used.usedAt = t0.addingTimeInterval(10)
        XCTAssertEqual(LinkCheck.evaluate(used, now: t0.addingTimeInterval(20)), .used)
        XCTAssertEqual(LinkCheck.evaluate(used, now: t0.addingTimeInterval(2000)), .used, "used beats expired")

        let outcomes: [LinkCheck.Outcome] = [.valid, .unknown, .used, .expired]
        XCTAssertEqual(Set(outcomes.map(\.customerMessage)).count, 4)
        XCTAssertTrue(LinkCheck.Outcome.used.customerMessage.contains("already been used"))
        XCTAssertTrue(LinkCheck.Outcome.expired.customerMessage.contains("expired"))
        XCTAssertEqual(outcomes.map(\.errorCode), [nil, .notFound, .linkUsed, .linkExpired])
    }

    func testCapabilitiesByLevel() {
        XCTAssertEqual(AgentLevel.allCases.filter { Capabilities(level: $0).canStartSessions }, [.l1, .l2, .manager, .specialist])
        XCTAssertEqual(AgentLevel.allCases.filter { Capabilities(level: $0).canWatch }, [.manager, .supervisor])
        XCTAssertEqual(AgentLevel.allCases.filter { Capabilities(level: $0).canTakeHandOffs }, [.l2, .manager, .specialist])
        XCTAssertEqual(AgentLevel.allCases.map { Capabilities(level: $0).maxControlMode }, [.guided, .controlled, .fullControl, .viewOnly, .viewOnly, .controlled])

        XCTAssertNil(Capabilities(level: .l1).refusal(toRequest: .guided, customerAccess: .viewOnly))
        XCTAssertNotNil(Capabilities(level: .l1).refusal(toRequest: .controlled, customerAccess: .controlled))
        XCTAssertNil(Capabilities(level: .l2).refusal(toRequest: .controlled, customerAccess: .controlled))
        XCTAssertEqual(Capabilities(level: .l2).refusal(toRequest: .controlled, customerAccess: .viewOnly),
                       "The customer allowed view-only access; Guided is the most you can ask for")
        // L2 may ask for Full Control, but a manager approves first; L1 may not ask at all.
        XCTAssertNil(Capabilities(level: .l2).refusal(toRequest: .fullControl, customerAccess: .controlled))
        XCTAssertTrue(Capabilities(level: .l2).needsManagerApproval(for: .fullControl))
        XCTAssertFalse(Capabilities(level: .manager).needsManagerApproval(for: .fullControl))
        XCTAssertNotNil(Capabilities(level: .l1).refusal(toRequest: .fullControl, customerAccess: .controlled))
        XCTAssertNil(Capabilities(level: .manager).refusal(toRequest: .fullControl, customerAccess: .controlled))
        XCTAssertNotNil(Capabilities(level: .supervisor).refusal(toRequest: .guided, customerAccess: .controlled))
    }
}
