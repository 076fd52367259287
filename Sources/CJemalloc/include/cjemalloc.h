// jemalloc as the process's allocator: linked into the sverka executables (not the libraries, not
// the tests), configured by the `malloc_conf` string this target defines. See docs/performance.md,
// round 11, and docs/operations.md ("Memory allocator").
#pragma once

/// The configuration compiled into the executables; `MALLOC_CONF` in the environment adds to it
/// and wins where both set an option.
extern const char *malloc_conf;

/// jemalloc's version string ("5.3.0-0-g…"), or NULL when jemalloc is not the allocator.
/// Calling it also keeps the library linked (a linker with --as-needed drops a library no object uses).
const char *sverka_jemalloc_version(void);
