import Engine
import Foundation
import XCTest

/// The scripted customer's side of the agent's requests: answers after a
/// moment, the chosen action denied, and a stay while the agent works.
final class ScriptedCustomerAnswersTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func answers(deny: Int? = 2) -> ScriptedCustomer.Answers {
        var o = ScriptedCustomer.Options()
        o.answerDelay = 1
        o.denyAction = deny
        o.linger = 20
        o.longestStay = 60
        var a = ScriptedCustomer.Answers(options: o)
        a.pageChanged(t0)
        return a
    }

    func action(_ id: String) -> WireMessage {
        .actionRequest(ActionRequest(action: ControlAction(id: id, kind: .scroll, dy: 300), preview: "scroll the page", agentName: "Maria S.", timeoutSeconds: 30))
    }

    func testEveryRequestIsAnsweredAfterAMomentAndTheChosenActionIsDenied() {
        var a = answers()
        XCTAssertEqual(a.received(.modeRequest(ModeRequest(mode: .guided)), t0), "allowed Guided")
        XCTAssertEqual(a.received(.qualityCheck, t0), "said the quality is fine")
        XCTAssertEqual(a.received(.extensionRequest(ExtensionRequest(minutes: 15)), t0), "allowed more time")
        XCTAssertEqual(a.received(.screenshotRequest, t0), "allowed a screenshot")
        XCTAssertEqual(a.received(action("a1"), t0), "allowed: scroll the page")
        XCTAssertEqual(a.received(action("a2"), t0), "denied: scroll the page")
        XCTAssertEqual(a.received(action("a3"), t0), "allowed: scroll the page")
        XCTAssertTrue(a.dueAnswers(t0.addingTimeInterval(0.5)).isEmpty, "a person reads first")
        XCTAssertEqual(a.dueAnswers(t0.addingTimeInterval(1)), [
            .modeAnswer(ModeAnswer(mode: .guided, accept: true)), .qualityAnswer(QualityAnswer(ok: true)),
            .extensionAnswer(ExtensionAnswer(accept: true)), .screenshotAnswer(ScreenshotAnswer(allow: true)),
            .actionAnswer(ActionAnswer(id: "a1", allow: true)), .actionAnswer(ActionAnswer(id: "a2", allow: false)),
            .actionAnswer(ActionAnswer(id: "a3", allow: true)),
        ])
        XCTAssertTrue(a.dueAnswers(t0.addingTimeInterval(2)).isEmpty, "each answered once")
        var all = answers(deny: nil)
        _ = all.received(action("b1"), t0); _ = all.received(action("b2"), t0)
        XCTAssertEqual(all.dueAnswers(t0.addingTimeInterval(1)), [.actionAnswer(ActionAnswer(id: "b1", allow: true)), .actionAnswer(ActionAnswer(id: "b2", allow: true))])
    }

    func testTheScriptedCustomerAcknowledgesASpecialistJoining() {
        var a = answers()
        XCTAssertEqual(a.received(.specialistJoining(SpecialistJoining(name: "Sofia Q.", reason: "payments")), t0), "acknowledged that Sofia Q. is joining")
        XCTAssertEqual(a.dueAnswers(t0.addingTimeInterval(1)), [.specialistAck])
    }

    func testTheCustomerStaysWhileTheAgentWorksButNotForever() {
        var a = answers()
        XCTAssertFalse(a.staying(t0))
        XCTAssertNil(a.received(.annotations(AnnotationSet(items: [])), t0), "an empty set is no work")
        XCTAssertFalse(a.staying(t0))
        _ = a.received(.agentPointer(AgentPointer(at: AnnotationAnchor.at(x: 10, y: 10, in: nil))), t0)
        XCTAssertTrue(a.staying(t0.addingTimeInterval(19)))
        XCTAssertFalse(a.staying(t0.addingTimeInterval(21)), "20 s after the last thing the agent did")
        // Busy all the time: still moves on after the longest stay.
        for s in stride(from: 0.0, through: 90, by: 10) { _ = a.received(.agentPointer(AgentPointer(at: AnnotationAnchor.at(x: 1, y: 1, in: nil))), t0.addingTimeInterval(s)) }
        XCTAssertFalse(a.staying(t0.addingTimeInterval(61)), "at most the longest stay on one page")
        a.pageChanged(t0.addingTimeInterval(61))
        XCTAssertFalse(a.staying(t0.addingTimeInterval(61)), "a new page starts afresh")
    }
}
