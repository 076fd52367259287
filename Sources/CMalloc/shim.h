// glibc's malloc.h is not part of Swift's Glibc module: the one call sverka needs, typed.
#pragma once
#include <malloc.h>

/// Gives the memory malloc holds free (whole free pages of every arena) back to the system.
/// Returns 1 when some memory was released.
static inline int sverka_release_free_memory(void) { return malloc_trim(0); }
