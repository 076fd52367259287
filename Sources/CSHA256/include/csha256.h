#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the SHA extensions (x86-64 SHA-NI with SSSE3 and SSE4.1).
/// The answer is the same for the whole life of the process.
int csha256_hardware_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight working words
/// a..h of FIPS 180-4) with the processor's SHA instructions. Call only when
/// `csha256_hardware_available()` returned non-zero.
void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
