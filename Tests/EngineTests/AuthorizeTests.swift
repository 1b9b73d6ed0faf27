import Foundation
import XCTest
@testable import Engine

/// Who may do what in a session, decided in one place.
final class AuthorizeTests: XCTestCase {
    private let summary = SessionSummary(id: "S-1", ticket: Ticket(id: "T-1", subject: "Billing", customer: "Dana W."),
                                         agentName: "Maria S.", status: .active, recording: false, createdAt: Date(timeIntervalSince1970: 0))

    private func allowed(_ agent: Agent, watching: Bool, _ capability: SessionCapability) -> Bool {
        SessionMachine.authorize(ConsoleActor(agent, watching: watching), capability, in: summary) == .allowed
    }

    func testTheTableOfWhoMayDoWhat() {
        let maria = Agent(name: "Maria S.", uid: 1, level: .l2)
        let other = Agent(name: "Lee K.", uid: 2, level: .l1)
        let supervisor = Agent(name: "Sam Super", uid: 3, level: .supervisor)
        let manager = Agent(name: "Mo Manager", uid: 4, level: .manager)
        let capabilities: [SessionCapability] = [.attach(watch: false), .attach(watch: true), .write("annotate"), .steer("ask for control"), .end, .answerApproval]
        // One row per actor, one column per capability above.
        let table: [(Agent, Bool, [Bool])] = [
            (maria, false, [true, true, true, true, true, false]),
            (maria, true, [true, true, false, false, false, false]),
            (other, false, [false, false, false, false, false, false]),
            (supervisor, true, [false, true, false, false, false, false]),
            (manager, true, [false, true, false, true, false, true]),
        ]
        for (agent, watching, expected) in table {
            for (capability, allow) in zip(capabilities, expected) {
                XCTAssertEqual(allowed(agent, watching: watching, capability), allow, "\(agent.name) watching=\(watching) \(capability)")
            }
        }
    }

    func testARefusalSaysWhyAndNamesItsAuditRow() {
        let watcher = ConsoleActor(Agent(name: "Sam Super", uid: 3, level: .supervisor), watching: true)
        guard case let .refused(code, text, audit) = SessionMachine.authorize(watcher, .write("add a note"), in: summary) else {
            return XCTFail("a watcher may not write")
        }
        XCTAssertEqual(code, .notAllowed)
        XCTAssertEqual(text, "Sam Super is watching read-only and cannot add a note")
        XCTAssertEqual(audit.action, "write.refused")
        XCTAssertEqual(audit.detail, "add a note")
    }

    func testTheMachineAsksTheSameQuestionForRequestsThatArriveAsEvents() {
        var m = SessionMachine(summary: summary, now: Date(timeIntervalSince1970: 0))
        let l2 = Agent(name: "Lee K.", uid: 2, level: .l2)
        let fx = m.handle(.managerAnswered(approve: true, by: l2), now: Date(timeIntervalSince1970: 1))
        XCTAssertEqual(fx.first, .reject(.notAllowed, "Only a manager may approve Full Control."))
        XCTAssertTrue(fx.contains(.audit(action: "approval.refused", actor: "Lee K.", detail: "level=L2")))
    }
}
