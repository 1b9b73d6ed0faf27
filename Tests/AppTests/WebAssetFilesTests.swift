import Engine
import Foundation
import XCTest

/// The browser code is the files in Sources/Engine/Web/Assets: the binary
/// carries exactly those (no stale copy), and the running gateway serves them
/// byte for byte, with the strict headers, to a foreign client (curl).
final class WebAssetFilesTests: EngineTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Engine/Web/Assets")

    /// Every regular file of the folder by its path there, as the build plugin names them.
    func filesInTheTree() throws -> [String: Data] {
        var out: [String: Data] = [:]
        let root = Self.folder.standardizedFileURL.path + "/"
        let walk = try XCTUnwrap(FileManager.default.enumerator(at: Self.folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]))
        for case let url as URL in walk {
            if url.lastPathComponent == "__pycache__" { walk.skipDescendants(); continue }
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            out[String(url.standardizedFileURL.path.dropFirst(root.count))] = try Data(contentsOf: url)
        }
        return out
    }

    func testTheBinaryCarriesExactlyTheFilesOfTheTree() throws {
        let files = try filesInTheTree()
        XCTAssertEqual(WebAssets.names, files.keys.sorted())
        for (name, data) in files { XCTAssertEqual(WebAssets.bytes(name), Array(data), "\(name) differs from the embedded copy") }
        for needed in ["cobrowse.js", "cobrowse-connect.js", "cobrowse-privacy.js", "consent.js", "viewer.js", "viewer.css", "presenter.js", "cobrowse.css", "demo/account.html"] {
            XCTAssertNotNil(files[needed], needed)
        }
    }

    func testTheGatewayServesTheFilesByteForByteWithTheStrictHeaders() throws {
        let files = try filesInTheTree()
        var served: [(String, String)] = [("/cobrowse-connect.js", "cobrowse-connect.js"), ("/cobrowse-rules.json", "cobrowse-rules.json"), ("/consent.js", "consent.js"), ("/viewer.js", "viewer.js"),
                                          ("/viewer.css", "viewer.css"), ("/presenter.js", "presenter.js"), ("/assets/cobrowse.css", "cobrowse.css"),
                                          ("/demo/", "demo/account.html")]
        for name in files.keys.sorted() where name.hasPrefix("demo/") {
            served.append(("/" + (name.hasSuffix(".html") ? String(name.dropLast(5)) : name), name))
        }
        let out = fixture.dir + "/served"
        for (path, name) in served {
            let answer = try fixture.runTool("/usr/bin/env", ["curl", "-s", "-D", "-", "-o", out, "--cacert", fixture.certificate,
                                                             "https://127.0.0.1:\(fixture.port)\(path)"])
            let headers = answer.stdout.lowercased()
            XCTAssertTrue(headers.hasPrefix("http/1.1 200"), "\(path): \(answer.stdout)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), files[name], "\(path) is not \(name) as the tree has it")
            XCTAssertTrue(headers.contains("content-type: \(WebAssets.contentType(of: name))"), "\(path): \(answer.stdout)")
            for strict in ["content-security-policy:", "x-content-type-options: nosniff", "x-frame-options: deny", "referrer-policy: no-referrer"] {
                XCTAssertTrue(headers.contains(strict), "\(path) lacks \(strict): \(answer.stdout)")
            }
        }
        // A customer's page has one script tag: the SDK comes with the modules it is built on, in front of it, exactly as the tree has them.
        let sdk = try fixture.runTool("/usr/bin/env", ["curl", "-s", "-D", "-", "-o", out, "--cacert", fixture.certificate, "https://127.0.0.1:\(fixture.port)/cobrowse.js"])
        let sdkHeaders = sdk.stdout.lowercased()
        XCTAssertTrue(sdkHeaders.hasPrefix("http/1.1 200"), sdk.stdout)
        let parts = try ["cobrowse-connect.js", "cobrowse-privacy.js", "cobrowse.js"].map { try XCTUnwrap(files[$0], $0) }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), parts.reduce(Data(), +), "/cobrowse.js is not connect module + privacy module + SDK")
        for strict in ["content-type: text/javascript", "content-security-policy:", "x-content-type-options: nosniff", "referrer-policy: no-referrer",
                       "access-control-allow-origin: *", "cross-origin-resource-policy: cross-origin"] {
            XCTAssertTrue(sdkHeaders.contains(strict), "/cobrowse.js lacks \(strict): \(sdk.stdout)")
        }
        // Nothing outside the folder, however the path is spelled.
        for path in ["/demo/../Package.swift", "/demo/%2e%2e/cobrowse.js", "/demo/.hidden", "/demo/demo.css.html", "/demo/account.html.html"] {
            let code = try fixture.runTool("/usr/bin/env", ["curl", "-s", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", fixture.certificate,
                                                           "https://127.0.0.1:\(fixture.port)\(path)"])
            XCTAssertEqual(code.stdout, "404", path)
        }
    }
}
