/* fuzz_common.h — what every GenC fuzz harness shares: the allocator the harnesses
 * install (bounded, counting live blocks, failing on demand), a reader of the fuzzer's
 * bytes with "interesting value" tables, and the invariant checks (a failure returns an
 * error status with a message; a result is a well-formed array whose elements can all
 * be read; nothing stays allocated after an input).
 *
 * A broken invariant prints what broke and aborts: that is how libFuzzer reports a
 * finding (the input that triggered it is saved as crash-<sha1>). */
#ifndef GENC_FUZZ_COMMON_H
#define GENC_FUZZ_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genc/array.h"
#include "genc/core.h"

#define FZ_CHECK(cond, ...)                                                                 \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fprintf(stderr, "\n  last error: %s: %s (at %s)\n",                             \
                    gen_status_name(gen_error_status()), gen_error_message(),               \
                    gen_error_location());                                                  \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* ---- the allocator ------------------------------------------------------------------ */

/* Blocks above FZ_BLOCK_MAX bytes and live totals above FZ_LIVE_MAX are refused (GenC
 * reports GEN_ERR_OOM): shapes of billions of elements are legal requests, and a fuzzer
 * must see them fail cleanly rather than exhaust the machine. */
#define FZ_BLOCK_MAX ((size_t)4 << 20)
#define FZ_LIVE_MAX ((size_t)64 << 20)

typedef struct fz_alloc_state {
    long live_blocks;
    size_t live_bytes;
    long calls;      /* allocations (not frees) since the last fz_alloc_reset */
    long fail_at;    /* the allocation (0-based) that fails; -1: none */
    int fail_after;  /* nonzero: every allocation from fail_at on fails */
    int refused;     /* an allocation was refused since the last reset */
} fz_alloc_state;

/* The state of the allocator the harnesses install (one per process). */
extern fz_alloc_state fz_mem;
/* The allocator itself (gen_alloc_fn; ud is &fz_mem). */
void *fz_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize);
/* Installs the allocator (flushing GenC's block caches into the previous one). */
void fz_alloc_install(void);
/* No failures, counters of calls cleared (live counts kept). */
void fz_alloc_reset(void);
/* After an input, with every scope closed: GenC's caches flushed, nothing alive. */
void fz_check_no_leak(const char *what);
/* Once per process: one thread for OpenBLAS (deterministic, frugal), our allocator. */
void fz_init(void);

/* ---- reading the fuzzer's bytes ------------------------------------------------------ */

typedef struct fz_in {
    const uint8_t *p;
    size_t n, i;
} fz_in;

static inline int fz_more(const fz_in *r) { return r->i < r->n; }
static inline uint8_t fz_u8(fz_in *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static inline uint16_t fz_u16(fz_in *r) { return (uint16_t)(fz_u8(r) | fz_u8(r) << 8); }
static inline uint64_t fz_u64(fz_in *r) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v |= (uint64_t)fz_u8(r) << (8 * k);
    return v;
}

/* An extent or an index: mostly small, sometimes one of the values that break size
 * arithmetic (products that wrap to small numbers, 2^31, 2^62, negatives). */
static inline int64_t fz_extent(fz_in *r) {
    static const int64_t odd[] = {0, -1, -2, 1, 2, 3, 7, 8, 64, 100, 1000, 65536,
                                  (int64_t)1 << 31, ((int64_t)1 << 31) - 1, (int64_t)1 << 32,
                                  (int64_t)1 << 40, (int64_t)1 << 62, INT64_MAX, INT64_MIN,
                                  3074457345618258603, /* 3 * this wraps to 1 */
                                  6148914691236517206, 4611686018427387905};
    uint8_t b = fz_u8(r);
    if (b < 224) return b % 6;
    return odd[(b - 224) % (sizeof odd / sizeof *odd)];
}

/* A slice bound or an element index: small, negative, or extreme. */
static inline int64_t fz_index(fz_in *r) {
    static const int64_t odd[] = {INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1,
                                  (int64_t)1 << 62, -((int64_t)1 << 62), 1000, -1000};
    uint8_t b = fz_u8(r);
    if (b < 240) return (int64_t)(b % 16) - 8;
    return odd[(b - 240) % (sizeof odd / sizeof *odd)];
}

/* An axis (or axis count): mostly in -4..4, sometimes far out. */
static inline int fz_axis(fz_in *r) {
    static const int odd[] = {8, -9, 9, 100, -100, INT32_MAX, INT32_MIN, 16};
    uint8_t b = fz_u8(r);
    if (b < 240) return (int)(b % 9) - 4;
    return odd[(b - 240) % (sizeof odd / sizeof *odd)];
}

/* A double: small integers and fractions, special values, or 8 raw bytes. */
static inline double fz_double(fz_in *r) {
    static const double odd[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 1e-300, 1e300,
                                 1.7976931348623157e308, -1.7976931348623157e308, INFINITY,
                                 -INFINITY, NAN, 4.9e-324, 1e10, 100.0, 0.1, -0.1, 9.2e18,
                                 -9.3e18, 1e-8, 0.3333333333333333};
    uint8_t b = fz_u8(r);
    if (b < 232) return odd[b % (sizeof odd / sizeof *odd)];
    if (b < 248) return (double)((int)(b - 240));
    uint64_t u = fz_u64(r);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline gen_dtype fz_dtype(fz_in *r) {
    uint8_t b = fz_u8(r) % 8; /* f64 most often */
    return b < 4 ? GEN_F64 : (gen_dtype)(b - 4);
}

/* ---- invariants -------------------------------------------------------------------- */

/* After a call that failed (returned NULL or a non-OK status st; st == GEN_OK when the
 * call returns an object): an error is recorded, with a message, it is not an internal
 * error, and GEN_ERR_OOM only when an allocation was refused. */
void fz_check_failure(const char *what, gen_status st);
/* A result array: a sane header, and all of its elements readable (under ASan a header
 * whose size exceeds its storage is caught here, where it was made). */
void fz_check_array(const char *what, const gen_array *a);
/* After an input: GenC still computes (a small sum), no scope or batched mode is left
 * open, nothing stays allocated. */
void fz_check_still_works(const char *what);
/* Between inputs, once more than 100000 symbols were interned: forgets them all
 * (gen_intern_reset), so that a long run on texts full of new names keeps its memory
 * bounded. Only while no object holds a symbol. */
void fz_forget_symbols(void);

#endif
