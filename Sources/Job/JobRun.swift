import Domain
import Foundation
import Ledger
import Logging

/// Runs a range of business days in order, under the ledger's run lock.
public enum JobRun {
    /// Why a run could not start at all.
    public enum StartError: Error, CustomStringConvertible {
        /// Another run holds the ledger's lock (exit code 75).
        case locked(LockError)
        /// The ledger cannot be opened.
        case ledger(any Error)

        public var description: String {
            switch self {
            case .locked(let error): "another sverka run is in progress: \(error.description)"
            case .ledger(let error): "cannot open the ledger: \(error)"
            }
        }

        public var exitStatus: ExitStatus {
            switch self {
            case .locked: .locked
            case .ledger: .failure
            }
        }
    }

    /// The days from `from` to `to`, inclusive.
    public static func days(from: CivilDate, to: CivilDate) -> [CivilDate] {
        guard from <= to else { return [] }
        return (0...from.days(to: to)).map { from.adding(days: $0) }
    }

    /// The default business day: yesterday in Europe/Moscow.
    public static func yesterday(now: Date) -> CivilDate {
        Timestamp(epochSeconds: Int64(now.timeIntervalSince1970.rounded(.down))).moscowDate.adding(days: -1)
    }

    /// Takes the lock, opens the ledger, and runs each day in order. A failed day does not stop
    /// the next ones (each is complete or unchanged on its own); `progress` is told before each day.
    public static func run(days: [CivilDate], loaded: LoadedConfiguration, environment: JobEnvironment, command: String,
                           progress: (@Sendable (Int, Int, CivilDate) -> Void)? = nil) async throws(StartError) -> [DayRunOutcome] {
        let ledgerPath = loaded.ledgerPath.path
        do {
            try FileManager.default.createDirectory(at: loaded.ledgerPath.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
        } catch {
            throw .ledger(error)
        }
        let lock: RunLock
        do {
            lock = try RunLock(lockPath: RunLock.lockPath(forDatabase: ledgerPath), command: command)
        } catch let error as LockError {
            throw .locked(error)
        } catch {
            throw .ledger(error)
        }
        defer { lock.release() }
        let ledger: Ledger
        do {
            ledger = try Ledger(path: ledgerPath)
        } catch {
            throw .ledger(error)
        }
        let runner = DayRunner(loaded: loaded, environment: environment, ledger: ledger)
        var outcomes: [DayRunOutcome] = []
        for (index, day) in days.enumerated() {
            progress?(index, days.count, day)
            outcomes.append(await runner.run(day: day, command: command))
        }
        progress?(days.count, days.count, days.last ?? CivilDate(daysSinceEpoch: 0))
        try? ledger.checkpoint()
        return outcomes
    }

    /// The exit status of several days: the worst of them.
    public static func exitStatus(of outcomes: [DayRunOutcome]) -> ExitStatus {
        if outcomes.contains(where: { $0.exitStatus == .failure }) { return .failure }
        if outcomes.contains(where: { $0.exitStatus == .exceptions }) { return .exceptions }
        return .success
    }
}
