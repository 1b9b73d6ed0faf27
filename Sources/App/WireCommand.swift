import ArgumentParser
import Engine
import Foundation

/// Protocol v1 on stdin and stdout, for scripts, operators and the integration
/// tests: one JSON frame a line in, every frame the engine sends a line out.
/// The engine knows the caller by their uid, exactly as it knows a console.
struct WireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Speak protocol v1 to the engine from a script: frames in on stdin, frames out on stdout (one JSON object a line).",
        discussion: """
        The handshake is done for you; its `welcome` is the first line out. Each input line is a \
        frame such as {"v":1,"type":"attach","body":{"sessionId":"S-…","watch":false}}; a line \
        without an "id" gets its line number, so an error's "re" says which line it answers. \
        After the input ends the command waits --wait seconds for the last replies.
        """)

    @OptionGroup var socket: SocketOptions
    @Option(help: ArgumentHelp("Seconds to wait after each line for its reply before sending the next.", valueName: "SECONDS"))
    var pause: Double = 0.2
    @Option(help: ArgumentHelp("Seconds to wait for replies after the last line.", valueName: "SECONDS"))
    var wait: Double = 1

    func validate() throws {
        guard (0...60).contains(pause), (0...600).contains(wait) else { throw ValidationError("--pause is 0…60 s and --wait 0…600 s") }
    }

    func run() throws {
        let client = try connectToEngine(socket.socketPath, client: "cobrowse-wire")
        defer { client.close() }
        emit(WireFrame(.welcome(client.welcome)))
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                let frame = try WireCodec.decode(Array(text.utf8))
                client.send(frame.message, id: frame.id ?? lineNumber)
            } catch {
                // Refused here, like the engine would: say which line, go on with the next.
                emit(WireError(.malformed, "line \(lineNumber): \(error)", re: lineNumber).reply)
            }
            drain(for: pause, client)
        }
        drain(for: wait, client)
        if let reason = client.closedReason, reason != "closed by this client" {
            FileHandle.standardError.write(Data("cobrowse wire: the engine closed the connection: \(reason)\n".utf8))
        }
    }

    private func drain(for seconds: Double, _ client: LocalChannelClient) {
        let end = Date().addingTimeInterval(seconds)
        repeat {
            client.pollFrames().forEach(emit)
            if client.closedReason != nil { break }
            Thread.sleep(forTimeInterval: 0.02)
        } while Date() < end
        client.pollFrames().forEach(emit)
    }

    private func emit(_ frame: WireFrame) {
        FileHandle.standardOutput.write(Data(WireCodec.encode(frame) + [0x0a]))
    }
}
