#include "cjemalloc.h"
#include <stddef.h>

// jemalloc's own declaration (jemalloc.h is not needed for one call).
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

// Read by jemalloc when it starts, before main:
// - background_thread: dirty pages are given back by jemalloc's own thread, not by the thread
//   that happens to free or allocate next;
// - dirty_decay_ms 1000: pages freed are given back after about a second (jemalloc's default,
//   10 s, kept ~80 MiB more resident at the peak of a 100 000-order day);
// - muzzy_decay_ms 0: given back at once (MADV_DONTNEED), not kept as lazily freed pages that
//   still count as resident until the kernel needs them.
const char *malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";

const char *sverka_jemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof(version);
    if (mallctl("version", &version, &length, NULL, 0) != 0) return NULL;
    return version;
}
