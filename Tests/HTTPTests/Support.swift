import Foundation
import HTTP
import Synchronization
import TestSupport
import Testing

/// Records the delays the client asks to sleep, without sleeping.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Duration]>([])

    var recorded: [Duration] { delays.withLock { $0 } }

    var sleep: @Sendable (Duration) async throws -> Void {
        { duration in self.delays.withLock { $0.append(duration) } }
    }
}

/// A configuration with short timeouts and fast, deterministic retries for tests.
func testConfiguration(_ adjust: (inout HTTPConfiguration) -> Void = { _ in }) -> HTTPConfiguration {
    var configuration = HTTPConfiguration(
        connectTimeout: .seconds(2),
        timeout: .seconds(5),
        stall: .disabled,
        maxResponseBytes: 1024 * 1024,
        retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(100))
    )
    adjust(&configuration)
    return configuration
}

/// A live client over `configuration` whose sleeps go to `recorder` and whose jitter is 1 (no shortening).
func testClient(_ configuration: HTTPConfiguration, recorder: SleepRecorder = SleepRecorder()) -> HTTPClient {
    .live(configuration, sleep: recorder.sleep, jitter: { 1 })
}

/// Runs `operation`, which must throw an `HTTPError`, and returns it.
func expectHTTPError(_ operation: () async throws -> HTTPResponse) async -> HTTPError? {
    do {
        let response = try await operation()
        Issue.record("expected an HTTPError, got HTTP \(response.status)")
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        Issue.record("expected an HTTPError, got \(error)")
        return nil
    }
}


