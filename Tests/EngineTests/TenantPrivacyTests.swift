import Foundation
import XCTest
@testable import Engine

/// A tenant's policy file: what it may say, what stops the engine, and how
/// its rules reach the redactor and the rules every page's SDK loads.
final class TenantPrivacyTests: XCTestCase {
    static let example = #"""
    {"privacy": {"mode": "private-by-default",
                 "mask": ["#order-notes", ".customer-ref"], "block": [".chat-widget"], "reveal": ["h1", ".order-status"],
                 "patterns": [{"name": "member id", "pattern": "\\bMBR-\\d{8}\\b"},
                              {"name": "policy number", "pattern": "\\bpol-[a-z]{2}\\d{6}\\b", "caseInsensitive": true}]}}
    """#

    func read(_ json: String) throws -> TenantPrivacy { try TenantPrivacy(policyJSON: Array(json.utf8)) }

    func refusal(_ json: String) -> String {
        do { _ = try read(json); return "accepted" } catch { return "\(error)" }
    }

    func testAPolicyReadsWhole() throws {
        let p = try read(Self.example)
        XCTAssertEqual(p.mode, .privateByDefault)
        XCTAssertEqual(p.mask, ["#order-notes", ".customer-ref"])
        XCTAssertEqual(p.block, [".chat-widget"])
        XCTAssertEqual(p.reveal, ["h1", ".order-status"])
        XCTAssertEqual(p.patterns.map(\.name), ["member id", "policy number"])
        XCTAssertEqual(try read("{}"), .standard, "a policy without a privacy section changes nothing")
        XCTAssertEqual(try read(#"{"privacy": {}}"#), .standard)
    }

    func testWhatTheEngineCannotHonourStopsItWithTheReason() {
        let cases: [(String, String)] = [
            ("[]", "must be a JSON object"),
            ("{", "not JSON"),
            (#"{"privcy": {}}"#, #"unknown section "privcy""#),
            (#"{"privacy": {"mode": "private"}}"#, "privacy.mode: private is not one of standard, private-by-default"),
            (#"{"privacy": {"masks": []}}"#, #"privacy: unknown key "masks""#),
            (#"{"privacy": {"mask": ".a"}}"#, "privacy.mask: must be a list"),
            (#"{"privacy": {"block": [""]}}"#, "privacy.block[0]: empty selector"),
            (#"{"privacy": {"reveal": [7]}}"#, "privacy.reveal[0]: must be a string"),
            (#"{"privacy": {"mask": ["a\u0007"]}}"#, "control character"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "("}]}}"#, "not a regular expression"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "a*"}]}}"#, "matches the empty text"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "(?i)mbr"}]}}"#, "inline flags"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "\\d++"}]}}"#, "possessive"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "\\Afoo"}]}}"#, "JavaScript reads differently"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "x\\d{2}+"}]}}"#, "possessive"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "\\p{L}+"}]}}"#, "Unicode properties"),
            (#"{"privacy": {"patterns": [{"name": "ssn", "pattern": "x\\d"}]}}"#, "built-in kind"),
            (#"{"privacy": {"patterns": [{"name": "a", "pattern": "x\\d"}, {"name": "A", "pattern": "y\\d"}]}}"#, "named twice"),
            (#"{"privacy": {"patterns": [{"name": "[x]", "pattern": "x\\d"}]}}"#, "privacy.patterns[0].name"),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "x\\d", "flags": "i"}]}}"#, #"unknown key "flags""#),
            (#"{"privacy": {"patterns": [{"name": "x", "pattern": "x\\d", "caseInsensitive": "yes"}]}}"#, "must be true or false"),
        ]
        for (json, expected) in cases {
            let said = refusal(json)
            XCTAssertTrue(said.contains(expected), "\(json): said \(said), expected \(expected)")
        }
        let many = (0 ... TenantPrivacy.maxSelectors).map { "\".s\($0)\"" }.joined(separator: ",")
        XCTAssertTrue(refusal(#"{"privacy": {"mask": [\#(many)]}}"#).contains("more than 200"))
        let long = String(repeating: "a", count: TenantPrivacy.maxSelectorBytes + 1)
        XCTAssertTrue(refusal(#"{"privacy": {"mask": ["\#(long)"]}}"#).contains("longer than"))
    }

    func testTheTenantsPatternsAreHiddenByTheEngineUnderTheirName() throws {
        let redactor = Redactor(customRules: try read(Self.example).redactionRules())
        let out = redactor.redact(text: "Member MBR-12345678 asked about POL-AB123456 and card 4111 1111 1111 1111")
        XCTAssertEqual(out.value, "Member [member id] asked about [policy number] and card [card number]")
        XCTAssertEqual(Set(out.hits.map(\.kind)), [.cardNumber, .custom("member id"), .custom("policy number")])
        XCTAssertEqual(Redactor().redact(text: "Member MBR-12345678").value, "Member MBR-12345678", "another tenant's engine knows no such rule")
    }

    /// The rules a tenant's pages load: the built-in file, the tenant's
    /// patterns after its own, and the tenant object; the engine reads the
    /// served file as it reads its own, so the two cannot part.
    func testTheServedRulesCarryTheTenantsRulesAfterTheBuiltInOnes() throws {
        let tenant = try read(Self.example)
        let standard = WebAssets.required("cobrowse-rules.json")
        let served = try tenant.servedRules(standard: standard)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(served)) as? [String: Any])
        let t = try XCTUnwrap(json["tenant"] as? [String: Any])
        XCTAssertEqual(t["privacy"] as? String, "private-by-default")
        XCTAssertEqual(t["mask"] as? [String], ["#order-notes", ".customer-ref"])
        XCTAssertEqual(t["block"] as? [String], [".chat-widget"])
        XCTAssertEqual(t["reveal"] as? [String], ["h1", ".order-status"])
        let patterns = try XCTUnwrap(json["patterns"] as? [[String: Any]])
        XCTAssertEqual(patterns.suffix(2).compactMap { $0["kind"] as? String }, ["member id", "policy number"])
        let asRead = try PrivacyRules(json: served)
        XCTAssertEqual(asRead.patterns.count, PrivacyRules.standard.patterns.count + 2)
        XCTAssertEqual(asRead.patterns.last?.kind, .custom("policy number"))
        XCTAssertEqual(asRead.protectedInputTypes, PrivacyRules.standard.protectedInputTypes, "the field rules stay the built-in ones")
        // The standard tenant gets the file exactly as built.
        XCTAssertEqual(try GatewayAssets.privacyRules(for: .standard).body, standard)
        XCTAssertEqual(try GatewayAssets.privacyRules(for: tenant).body, served)
    }
}
