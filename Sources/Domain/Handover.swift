import Synchronization

/// A value handed over once, to another thread or out of a scope that would otherwise keep it (an
/// `async let` keeps its value to the end of its scope; a closure, what it captured): ``take()`` leaves
/// nothing behind, so its taker holds the only copy and can let it go, or consume it, alone.
public final class Handover<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>

    public init(_ value: consuming Value) { self.value = Mutex(value) }

    /// The value, the first time; `nil` after.
    public func take() -> Value? { value.withLock { $0.take() } }
}
