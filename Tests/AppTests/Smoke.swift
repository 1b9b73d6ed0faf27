import XCTest
final class AppTestsSmoke: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
