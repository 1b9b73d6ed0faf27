import Foundation
import FuzzTargets

// Two builds of one file.
//
// With -D FUZZING (and -sanitize=fuzzer,address; see scripts/fuzz) this is a
// libFuzzer binary: it exports LLVMFuzzerTestOneInput and runs the target
// named by COBROWSE_FUZZ_TARGET. SwiftPM links every executable with `main`
// renamed to `<module>_main`, which would clash with libFuzzer's own `main`,
// so the module provides `cobrowse_fuzz_main` itself and hands over to
// libFuzzer's driver from there.
//
// Without FUZZING it is the replayer: `cobrowse-fuzz TARGET FILE|DIR...`
// runs each input through the same entry point, to reproduce a crash.

#if FUZZING

nonisolated(unsafe) var selected: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected!.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("cobrowse_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["COBROWSE_FUZZ_TARGET"] ?? ""
    if name == "list" {
        for t in FuzzTarget.all { print(t.listing) }
        return 0
    }
    guard let target = FuzzTarget.named(name) else {
        let known = FuzzTarget.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("COBROWSE_FUZZ_TARGET must name a target (\(known)), or be \"list\"\n".utf8))
        return 2
    }
    selected = target
    var count = argc, vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOneInput)
}

#else

@main
struct Replayer {
    static let usage = """
        usage: cobrowse-fuzz TARGET FILE|DIR...   run each input through a fuzz target (a directory: every file in it)
               cobrowse-fuzz list                 the targets
               cobrowse-fuzz seed DIR             write the generated seed inputs into DIR/TARGET/
        """

    static func main() throws {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let first = args.first else { fail(usage) }
        switch first {
        case "list":
            for t in FuzzTarget.all { print(t.listing) }
        case "seed":
            guard args.count == 2 else { fail(usage) }
            try FuzzSeeds.write(to: URL(fileURLWithPath: args[1]))
        default:
            guard let target = FuzzTarget.named(first) else { fail("unknown target \(first)\n\(usage)") }
            guard args.count > 1 else { fail(usage) }
            var count = 0
            for path in args.dropFirst() {
                for file in try FuzzCorpus.files(at: URL(fileURLWithPath: path)) {
                    FileHandle.standardError.write(Data("\(target.name): \(file.path)\n".utf8))
                    target.run(Array(try Data(contentsOf: file)))
                    count += 1
                }
            }
            print("\(target.name): \(count) input(s), no crash")
        }
    }

    static func fail(_ text: String) -> Never {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        exit(2)
    }
}

#endif
