// glibc's malloc.h is not part of Swift's Glibc module: the one call sverka needs, typed.
#pragma once
#include <malloc.h>

/// Gives the memory malloc holds free (whole free pages of every arena) back to the system.
/// Returns 1 when some memory was released.
static inline int sverka_release_free_memory(void) { return malloc_trim(0); }

/// Caps how many malloc arenas threads may get (glibc's default: eight per core). Returns 1 on success.
static inline int sverka_limit_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

/// Fixes the size from which malloc serves a block with its own mapping (given back to the system
/// when freed) instead of from an arena; a fixed threshold no longer grows as large blocks are freed.
/// Returns 1 on success.
static inline int sverka_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
