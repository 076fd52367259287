// sverka-bench: the project's benchmarks. Not a test; build and run it in release mode:
//
//     swift build -c release --product sverka-bench
//     .build/release/sverka-bench run --orders 100000        # a whole day through the job
//     .build/release/sverka-bench document --iterations 2000  # one УПД: ours vs libxml2 alone
//     .build/release/sverka-bench match --count 1000000       # the matcher, 1M payments × 1M bills
//     .build/release/sverka-bench statement --camt FILE       # one camt.053 statement through its reader
//
// See docs/performance.md for the figures and how to read them.
import CJemalloc
import Documents
import Domain
import Foundation
import Job

let usage = """
usage: sverka-bench run [--orders N] [--seed S] [--date YYYY-MM-DD] [--dir GENERATED_DIR] [--keep] [--schemas DIR]
       sverka-bench document [--iterations N] [--lines L] [--schemas DIR]
       sverka-bench match [--count N] [--bills M]
       sverka-bench statement --camt FILE
"""

_ = sverka_jemalloc_version() // jemalloc serves this process (CJemalloc); glibc's settings below then step aside
MallocArenas.limit() // as `sverka` does at start
MallocMappedBlocks.fix()
let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? ""
let rest = Array(arguments.dropFirst())

func schemasDirectory() -> URL {
    if let given = option("schemas", in: rest) { return URL(fileURLWithPath: given) }
    if let env = ProcessInfo.processInfo.environment["SVERKA_SCHEMAS"], !env.isEmpty { return URL(fileURLWithPath: env) }
    let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    return SchemaCatalog.defaultDirectory(executable: Bundle.main.executableURL, currentDirectory: current)
        ?? current.appendingPathComponent("schemas")
}

do {
    switch command {
    case "run":
        guard let date = CivilDate(iso: option("date", in: rest) ?? "2026-11-27") else { throw BenchError("bad --date") }
        try await runBenchmark(orders: Int(option("orders", in: rest) ?? "") ?? 10_000,
                               seed: UInt64(option("seed", in: rest) ?? "") ?? 42, date: date,
                               directory: option("dir", in: rest).map { URL(fileURLWithPath: $0) },
                               schemas: schemasDirectory(), keep: rest.contains("--keep"))
    case "document":
        try documentBenchmark(iterations: Int(option("iterations", in: rest) ?? "") ?? 2_000,
                              lines: Int(option("lines", in: rest) ?? "") ?? 20, schemas: schemasDirectory())
    case "match":
        let count = Int(option("count", in: rest) ?? "") ?? 1_000_000
        matchBenchmark(count: count, billCount: Int(option("bills", in: rest) ?? ""))
    case "statement":
        guard let camt = option("camt", in: rest) else { throw BenchError("statement needs --camt FILE") }
        try statementBenchmark(camt: camt)
    default:
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("sverka-bench: \(error)\n".utf8))
    exit(1)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
