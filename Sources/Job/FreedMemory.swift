import CMalloc

/// Between stages the job gives back to the system what the stage freed. glibc keeps freed blocks
/// in its arenas for reuse, and a stage that allocated and freed a lot on many threads (the feed's
/// JSON, read on every core; a window of rendered documents) leaves whole free pages scattered among
/// live ones: the process would keep them as resident memory for the rest of the day.
enum FreedMemory {
    /// Returns whole free pages of every malloc arena to the system; `true` when some were released.
    @discardableResult
    static func release() -> Bool { sverka_release_free_memory() == 1 }
}
