import XCTest
final class EngineTestsSmoke: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
