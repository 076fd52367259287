import CCurl
import Foundation
import Synchronization

/// `curl_global_init`, run once, lazily (Swift globals initialise thread-safely).
private let curlGlobalInitResult: Int = Int(sverka_curl_global_init().rawValue)

/// One libcurl easy handle, used for one request on one thread, freed in deinit.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    /// A fresh handle, or nil when libcurl cannot be initialised.
    init?() {
        guard curlGlobalInitResult == Int(CURLE_OK.rawValue), let handle = curl_easy_init() else { return nil }
        self.handle = handle
        let size = Int(sverka_curl_error_size())
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        _ = sverka_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    /// A failed `curl_easy_setopt`.
    struct OptionError: Error {
        var code: CURLcode
        var option: String
    }

    private func check(_ code: CURLcode, _ option: String) throws(OptionError) {
        guard code == CURLE_OK else { throw OptionError(code: code, option: option) }
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(OptionError) {
        try check(sverka_curl_setopt_long(handle, option, value), name)
    }

    func set(_ option: CURLoption, _ value: Bool, _ name: String) throws(OptionError) {
        try set(option, value ? 1 : 0, name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: String) throws(OptionError) {
        try check(sverka_curl_setopt_off_t(handle, option, curl_off_t(value)), name)
    }

    /// libcurl copies string options.
    func set(_ option: CURLoption, _ value: String, _ name: String) throws(OptionError) {
        try check(value.withCString { sverka_curl_setopt_string(handle, option, $0) }, name)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?, _ name: String) throws(OptionError) {
        try check(sverka_curl_setopt_pointer(handle, option, value), name)
    }

    func set(_ option: CURLoption, writeCallback value: curl_write_callback, _ name: String) throws(OptionError) {
        try check(sverka_curl_setopt_write_callback(handle, option, value), name)
    }

    func set(_ option: CURLoption, xferinfoCallback value: curl_xferinfo_callback, _ name: String) throws(OptionError) {
        try check(sverka_curl_setopt_xferinfo_callback(handle, option, value), name)
    }

    /// Sets a header list option; the list lives as long as the handle.
    func set(_ option: CURLoption, lines: [String], _ name: String) throws(OptionError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw OptionError(code: CURLE_OUT_OF_MEMORY, option: name)
            }
            list = appended
        }
        guard let list else { return }
        lists.append(list)
        try check(sverka_curl_setopt_slist(handle, option, list), name)
    }

    /// `POSTFIELDSIZE_LARGE` then `COPYPOSTFIELDS`: libcurl keeps its own copy of the body.
    func setPostBody(_ body: [UInt8]) throws(OptionError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count), "POSTFIELDSIZE_LARGE")
        let code = body.withUnsafeBytes { buffer -> CURLcode in
            if let base = buffer.baseAddress, !buffer.isEmpty {
                return sverka_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
            return "".withCString { sverka_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
        }
        try check(code, "COPYPOSTFIELDS")
    }

    /// Runs the transfer (blocking).
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }

    /// The last response code (0 when none).
    var responseCode: Int {
        var value = 0
        guard sverka_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &value) == CURLE_OK else { return 0 }
        return value
    }

    /// The URL last used.
    var effectiveURL: String? {
        var pointer: UnsafePointer<CChar>?
        guard sverka_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &pointer) == CURLE_OK, let pointer else {
            return nil
        }
        return String(cString: pointer)
    }

    /// The `Location` of the last response, when it was a redirect.
    var redirectURL: String? {
        var pointer: UnsafePointer<CChar>?
        guard sverka_curl_getinfo_string(handle, CURLINFO_REDIRECT_URL, &pointer) == CURLE_OK, let pointer else {
            return nil
        }
        return String(cString: pointer)
    }

    /// libcurl's explanation of the last failure: the error buffer, or `curl_easy_strerror`.
    func message(for code: CURLcode) -> String {
        let buffered = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        if !buffered.isEmpty { return buffered }
        return String(cString: curl_easy_strerror(code))
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}

/// Set when the awaiting task is cancelled; read by the transfer's progress callback.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func cancel() { flag.store(true, ordering: .relaxed) }
    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
