import XCTest
@testable import Engine

final class PrivacyRedactorTests: XCTestCase {
    let redactor = Redactor()

    func redacted(_ s: String) -> String { redactor.redact(text: s).value }
    func kinds(_ s: String) -> [RedactionKind] { redactor.redact(text: s).hits.map(\.kind) }

    // MARK: Card numbers

    func testTheMemoOfASessionsNodesGivesWhatAFreshRedactionGives() {
        let r = Redactor()
        let memo = RedactionMemo()
        let rect = Rect(x: 0, y: 0, width: 100, height: 20)
        let page = Scene(version: 1, viewport: Size(width: 800, height: 600), url: "https://shop.test/?email=dana@example.com", title: "Checkout",
                         nodes: [.text("a", rect, "Card 4111 1111 1111 1111 on file", color: .white),
                                 .field("b", rect, label: "Password", value: "hunter2", type: "password"),
                                 .field("c", rect, label: "API key", value: "ak9f8g7h6j5k4l3m2n1b0v9c8x7z6"),
                                 .text("d", rect, "Nothing to hide", color: .white)])
        for _ in 0 ..< 3 {
            XCTAssertEqual(r.redact(scene: page, memo: memo), r.redact(scene: page), "the same scene, the same result, every time")
        }
        // A delta that changes one node and removes another, then the full scene again.
        let delta = SceneDelta(baseVersion: 1, version: 2, upserts: [.text("d", rect, "Call 415-555-0100", color: .white)], removed: ["a"])
        XCTAssertEqual(r.redact(delta: delta, memo: memo), r.redact(delta: delta))
        var changed = page
        changed.nodes[3] = .text("d", rect, "Call 415-555-0100", color: .white)
        XCTAssertEqual(r.redact(scene: changed, memo: memo), r.redact(scene: changed))
        XCTAssertFalse("\(r.redact(scene: changed, memo: memo).value)".contains("4111"))
    }

    func testLuhnValidCardNumbersInAnyCommonShape() {
        for card in ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
                     "3782 822463 10005", "6011 0009 9013 9424", "5555555555554444", "4222222222222"] {
            let out = redacted("Card: \(card) on file")
            XCTAssertEqual(out, "Card: [card number] on file", card)
            XCTAssertEqual(kinds("Card: \(card)"), [.cardNumber], card)
        }
    }

    func testNumbersThatAreNotCards() {
        XCTAssertEqual(redacted("Card 4111 1111 1111 1112 fails Luhn"), "Card 4111 1111 1111 1112 fails Luhn")
        XCTAssertEqual(redacted("Order 123456789012"), "Order 123456789012", "12 digits is too short")
        XCTAssertEqual(redacted("Tracking 41111111111111110000"), "Tracking 41111111111111110000", "20 digits is no card")
        XCTAssertEqual(redacted("Total: $1,234.56 on 2024-01-15"), "Total: $1,234.56 on 2024-01-15")
    }

    // MARK: SSNs

    func testSSNsAndTheRangesNeverIssued() {
        XCTAssertEqual(redacted("SSN 123-45-6789."), "SSN [SSN].")
        for bad in ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"] {
            XCTAssertEqual(redacted("id \(bad)"), "id \(bad)", bad)
        }
    }

    // MARK: E-mail, phone, secrets

    func testEmailAndPhoneNumbers() {
        XCTAssertEqual(redacted("Write to dana.lee+billing@example.co.uk today"), "Write to [email] today")
        XCTAssertEqual(redacted("Call (555) 123-4567"), "Call [phone]")
        XCTAssertEqual(redacted("Call 555-123-4567 or +1 555.123.4567"), "Call [phone] or [phone]")
        XCTAssertEqual(redacted("London office +44 20 7946 0958"), "London office [phone]")
        XCTAssertEqual(redacted("Version 1.2.3 released 2024-01-15"), "Version 1.2.3 released 2024-01-15")
    }

    func testApiKeysAndSecrets() {
        XCTAssertEqual(redacted("Live key sk_live_51HabcdEFGhijkLMNop"), "Live key [secret]")
        XCTAssertEqual(redacted("sk_test_4eC39HqLyjWDarjtT1zdp7dc"), "[secret]")
        XCTAssertEqual(redacted("AWS AKIAIOSFODNN7EXAMPLE"), "AWS [secret]")
        XCTAssertEqual(redacted("api_key: 9f8e7d6c5b4a39281706f5e4d3c2b1a0"), "api_key: [secret]", "the label stays, the token goes")
        XCTAssertEqual(redacted("token=abc123def456ghi789"), "token=[secret]")
        XCTAssertEqual(redacted("Rotate your API key every 90 days"), "Rotate your API key every 90 days")
    }

    func testKeyishFieldLabelMakesALongTokenASecret() {
        let node = SceneNode.field("k", Rect(x: 0, y: 0, width: 300, height: 20), label: "API key", value: "a1b2c3d4e5f6a7b8c9d0e1f2")
        var hits: [RedactionHit] = []
        let out = redactor.redact(node: node, into: &hits)
        XCTAssertEqual(out.text, "[secret]")
        XCTAssertEqual(out.redacted, true)
        XCTAssertEqual(hits, [RedactionHit(kind: .secret, nodeId: "k")])
        let name = SceneNode.field("n", Rect(x: 0, y: 0, width: 300, height: 20), label: "Key contact", value: "Dana")
        XCTAssertEqual(redactor.redact(node: name, into: &hits).text, "Dana")
    }

    // MARK: Scenes

    func testPasswordAndPaymentFieldsAreAlwaysMasked() {
        let rect = Rect(x: 10, y: 20, width: 200, height: 24)
        for (type, kind) in [("password", RedactionKind.passwordField), ("cc-number", .paymentField), ("cc-csc", .paymentField),
                             ("cc-exp", .paymentField), ("card", .paymentField), ("cvv", .paymentField), ("iban", .paymentField)] {
            let scene = Scene(viewport: Size(width: 800, height: 600), url: "https://shop.example/pay", title: "Pay",
                              nodes: [.field("f", rect, label: "Secret stuff", value: "whatever 123", type: type)])
            let r = redactor.redact(scene: scene)
            let node = r.value.nodes[0]
            XCTAssertEqual(node.kind, .mask, type)
            XCTAssertEqual(node.id, "f")
            XCTAssertEqual(node.rect, rect)
            XCTAssertNil(node.text)
            XCTAssertEqual(node.label, kind.description, "the mask says why")
            XCTAssertEqual(r.hits, [RedactionHit(kind: kind, nodeId: "f")])
        }
    }

    func testSceneTextLabelsTitleAndURLAreScanned() {
        let scene = Scene(viewport: Size(width: 800, height: 600),
                          url: "https://app.example/account?email=dana@example.com", title: "Dana (dana@example.com)",
                          nodes: [.text("t", Rect(x: 0, y: 0, width: 100, height: 10), "Card 4111 1111 1111 1111", color: .black),
                                  .field("e", Rect(x: 0, y: 20, width: 100, height: 10), label: "Email dana@example.com", value: "123-45-6789"),
                                  .text("plain", Rect(x: 0, y: 40, width: 100, height: 10), "Nothing to see", color: .black)])
        let r = redactor.redact(scene: scene)
        XCTAssertEqual(r.value.url, "https://app.example/account?email=[email]")
        XCTAssertEqual(r.value.title, "Dana ([email])")
        XCTAssertEqual(r.value.nodes[0].text, "Card [card number]")
        XCTAssertEqual(r.value.nodes[0].redacted, true)
        XCTAssertEqual(r.value.nodes[1].label, "Email [email]")
        XCTAssertEqual(r.value.nodes[1].text, "[SSN]")
        XCTAssertEqual(r.value.nodes[2], scene.nodes[2], "untouched nodes stay identical")
        XCTAssertEqual(Set(r.hits), [RedactionHit(kind: .email, nodeId: nil), RedactionHit(kind: .cardNumber, nodeId: "t"),
                                     RedactionHit(kind: .email, nodeId: "e"), RedactionHit(kind: .ssn, nodeId: "e")])
        let everything = "\(r.value) \(r.hits)"
        for secret in ["4111", "dana@", "6789"] { XCTAssertFalse(everything.contains(secret), secret) }
    }

    func testDeltasAreScannedToo() {
        let d = SceneDelta(baseVersion: 1, version: 2,
                           upserts: [.field("cc", Rect(x: 0, y: 0, width: 10, height: 10), label: "Card", value: "4111111111111111", type: "cc-number"),
                                     .text("t", Rect(x: 0, y: 0, width: 10, height: 10), "SSN 123-45-6789", color: .black)],
                           url: "https://x.example/?u=dana@example.com", title: "Dana")
        let r = redactor.redact(delta: d)
        XCTAssertEqual(r.value.upserts[0].kind, .mask)
        XCTAssertEqual(r.value.upserts[1].text, "SSN [SSN]")
        XCTAssertEqual(r.value.url, "https://x.example/?u=[email]")
        XCTAssertEqual(r.value.title, "Dana")
        XCTAssertEqual(r.hits.count, 3)
    }

    // MARK: Custom rules and industry profiles

    func testCustomRulesAndProfiles() throws {
        let r = Redactor(customRules: [try .custom("member id", #"\bMBR-\d{8}\b"#)] + RedactionProfile.healthcare + RedactionProfile.banking)
        XCTAssertEqual(r.redact(text: "Member MBR-12345678").value, "Member [member id]")
        XCTAssertEqual(r.redact(text: "Patient MRN: 00123456").value, "Patient [medical record number]")
        XCTAssertEqual(r.redact(text: "IBAN DE89 3704 0044 0532 0130 00").value, "IBAN [IBAN]")
        XCTAssertEqual(r.redact(text: "Member MBR-12345678").hits, [RedactionHit(kind: .custom("member id"), nodeId: nil)])
        XCTAssertEqual(redactor.redact(text: "Member MBR-12345678").value, "Member MBR-12345678", "not a standard rule")
        XCTAssertThrowsError(try RedactionRule.custom("broken", "([unclosed"))
    }

    func testPlaceholdersNeverCarryDigits() {
        let kinds: [RedactionKind] = [.cardNumber, .ssn, .email, .phone, .secret, .passwordField, .paymentField]
        for k in kinds { XCTAssertFalse(k.maskText.contains(where: \.isNumber), "\(k)") }
    }

    func testFastEnoughForEveryScene() {
        var nodes: [SceneNode] = []
        for i in 0..<2_000 {
            let text = i % 100 == 0 ? "Card 4111 1111 1111 1111 for order \(i)" : "Line \(i) of an ordinary settings page with some words"
            nodes.append(.text("n\(i)", Rect(x: 0, y: Double(i) * 10, width: 400, height: 10), text, color: .black))
        }
        let scene = Scene(viewport: Size(width: 1280, height: 720), url: "https://app.example/settings", title: "Settings", nodes: nodes)
        let start = Date()
        let r = redactor.redact(scene: scene)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(r.hits.count, 20)
        XCTAssertLessThan(elapsed, 2.0, "2,000 text runs took \(elapsed) s")
    }

    /// The cheap pre-filters only skip the regular expression where it could
    /// not have matched: every text a rule matches, its pre-filter lets through.
    func testThePreFiltersNeverSkipATextTheirRuleMatches() {
        let pieces = ["sk_live_abcdefghijkl12", "PK_TEST_abcdefghij", "AKIA1234567890ABCDEF", "ghp_" + String(repeating: "a1", count: 16),
                      "xoxb-1234567890-abc", "eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeK", "-----BEGIN RSA PRIVATE KEY-----",
                      "API KEY: abcdefghijklmnop12", "Password=hunter2hunter", "\u{212A}ey: abcdefgh1234", "ſecret = abcdefghijkl",
                      "bearer abcdefghijklmnopqrstu", "dana@northwind.example", "+44 20 7946 0958", "123-45-6789", "(555) 123-4567",
                      "4242 4242 4242 4242", "Invoice for Dana", " ", "€", "—", "Token", "x"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 3_000 {
            var text = (0 ..< Int.random(in: 1 ... 4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined(separator: [" ", "", ": ", "\n"].randomElement(using: &rng)!)
            if Bool.random(using: &rng) { text = Bool.random(using: &rng) ? text.uppercased() : text.lowercased() }
            let ascii = text.utf8.allSatisfy { $0 < 0x80 }
            for rule in RedactionRule.standard + RedactionProfile.healthcare + RedactionProfile.banking where rule.firstMatch(in: text) {
                XCTAssertTrue(rule.mayMatch(text.utf8, isASCII: ascii), "\(rule.kind) matches \(text) but its pre-filter skips it")
            }
        }
    }
}
