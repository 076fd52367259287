// Typed shims over libcurl for Swift.
//
// curl_easy_setopt and curl_easy_getinfo are variadic C functions, which Swift
// cannot call. Each shim below fixes the type of the variadic argument so the
// Swift side calls a plain, typed function. Only the HTTP module imports this.
#ifndef SVERKA_CCURL_SHIM_H
#define SVERKA_CCURL_SHIM_H

#include <curl/curl.h>

/// curl_global_init with CURL_GLOBAL_DEFAULT (the macro does not import into Swift).
static inline CURLcode sverka_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

/// Size of the buffer CURLOPT_ERRORBUFFER writes into.
static inline long sverka_curl_error_size(void) {
    return CURL_ERROR_SIZE;
}

/// Bitmask of the SSH authentication methods sverka allows (public key, password).
static inline long sverka_curl_ssh_auth_key_and_password(void) {
    return CURLSSH_AUTH_PUBLICKEY | CURLSSH_AUTH_PASSWORD;
}

// MARK: setopt

static inline CURLcode sverka_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sverka_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// For string options; libcurl copies the string (except CURLOPT_POSTFIELDS, not used here).
static inline CURLcode sverka_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sverka_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sverka_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode sverka_curl_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// For CURLOPT_XFERINFOFUNCTION.
static inline CURLcode sverka_curl_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// MARK: getinfo

static inline CURLcode sverka_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode sverka_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode sverka_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
