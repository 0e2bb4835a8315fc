/* fuzz_common.c — the allocator and the invariant checks every harness shares
 * (fuzz_common.h). */
#include "fuzz_common.h"
#include "genc/choice.h"
#include "genc/compile.h"

fz_alloc_state fz_mem;

void *fz_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
    fz_alloc_state *s = ud;
    if (nsize == 0) {
        if (ptr) {
            s->live_blocks--;
            s->live_bytes -= osize;
            free(ptr);
        }
        return NULL;
    }
    long k = s->calls++;
    size_t live = s->live_bytes - (ptr ? osize : 0);
    if ((s->fail_at >= 0 && (k == s->fail_at || (s->fail_after && k > s->fail_at))) ||
        nsize > FZ_BLOCK_MAX || live + nsize > FZ_LIVE_MAX) {
        s->refused = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) {
        s->refused = 1;
        return NULL;
    }
    if (!ptr) s->live_blocks++;
    s->live_bytes = live + nsize;
    return p;
}

/* Installs the allocator (flushing GenC's block caches into the previous one). */
void fz_alloc_install(void) { gen_set_allocator(fz_alloc_fn, &fz_mem); }

/* No failures, counters of calls cleared (live counts kept). */
void fz_alloc_reset(void) {
    fz_mem.calls = 0;
    fz_mem.fail_at = -1;
    fz_mem.fail_after = 0;
    fz_mem.refused = 0;
}

/* After an input, with every scope closed: GenC's caches flushed, nothing alive. */
void fz_check_no_leak(const char *what) {
    gen_compile_cache_clear(); /* compiled functions kept for reuse are not the input's */
    fz_alloc_install(); /* flushes the block caches */
    FZ_CHECK(fz_mem.live_blocks == 0 && fz_mem.live_bytes == 0,
             "%s: %ld blocks, %zu bytes still allocated after the input", what,
             fz_mem.live_blocks, fz_mem.live_bytes);
}

/* Once per process: one thread for OpenBLAS (deterministic, frugal), our allocator, no
 * compiled inference (the harnesses target parsing and the array ops; running the system
 * compiler per input would stall them). */
void fz_init(void) {
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    setenv("OMP_NUM_THREADS", "1", 0);
    gen_set_compile(false);
    fz_alloc_reset();
    fz_alloc_install();
}

/* After a call that failed (returned NULL or a non-OK status st; st == GEN_OK when the
 * call returns an object): an error is recorded, with a message, and it is not an
 * internal error. */
void fz_check_failure(const char *what, gen_status st) {
    gen_status rec = gen_error_status();
    FZ_CHECK(rec != GEN_OK, "%s failed with no error recorded", what);
    FZ_CHECK(st == GEN_OK || st == rec, "%s returned %s but recorded %s", what,
             gen_status_name(st), gen_status_name(rec));
    const char *msg = gen_error_message();
    FZ_CHECK(msg && msg[0], "%s failed (%s) with an empty message", what, gen_status_name(rec));
    FZ_CHECK(rec != GEN_ERR_INTERNAL, "%s: internal error: %s", what, msg);
    FZ_CHECK(rec != GEN_ERR_OOM || fz_mem.refused, "%s: GEN_ERR_OOM though no allocation was refused: %s",
             what, msg);
}

static volatile unsigned fz_sink;

/* A result array: a sane header, and all of its elements readable (under ASan a header
 * whose size exceeds its storage is caught here, where it was made). */
static void check_array(const char *what, const gen_array *a, int depth);

void fz_check_array(const char *what, const gen_array *a) { check_array(what, a, 0); }

/* depth: tuples nested around a (items are checked two levels down: a tuple of tuples
 * of the same tuple has exponentially many paths, each made and checked already). */
static void check_array(const char *what, const gen_array *a, int depth) {
    int nd = gen_array_ndim(a);
    FZ_CHECK(nd >= 0 && nd <= GEN_MAX_DIMS, "%s: ndim %d", what, nd);
    if (gen_array_is_tuple(a)) {
        int n = gen_tuple_size(a);
        FZ_CHECK(n >= 0, "%s: tuple size %d", what, n);
        for (int i = 0; i < n; i++) {
            const gen_array *it = gen_tuple_get(a, i);
            FZ_CHECK(it != NULL, "%s: tuple item %d is NULL", what, i);
            if (depth < 2) check_array(what, it, depth + 1);
        }
        return;
    }
    const int64_t *shape = gen_array_shape(a);
    int64_t size = 1;
    for (int k = 0; k < nd; k++) {
        FZ_CHECK(shape[k] >= 0, "%s: extent %d is %lld", what, k, (long long)shape[k]);
        FZ_CHECK(shape[k] == 0 || size <= INT64_MAX / shape[k] || size == 0,
                 "%s: the shape's product overflows", what);
        size *= shape[k];
    }
    FZ_CHECK(size == gen_array_size(a), "%s: size %lld, shape product %lld", what,
             (long long)gen_array_size(a), (long long)size);
    size_t es = gen_dtype_size(gen_array_dtype(a));
    FZ_CHECK((uint64_t)size <= FZ_LIVE_MAX / es, "%s: %lld elements cannot have been allocated",
             what, (long long)size);
    const unsigned char *d = gen_array_data(a);
    FZ_CHECK(d != NULL || size == 0, "%s: no data", what);
    unsigned acc = 0;
    for (size_t i = 0, nb = (size_t)size * es; i < nb; i++) acc += d[i];
    fz_sink += acc;
    if (gen_array_dtype(a) == GEN_BOOL)
        for (int64_t i = 0; i < size; i++)
            FZ_CHECK(d[i] <= 1, "%s: bool element %lld holds %u", what, (long long)i, d[i]);
}

/* After an input: GenC still computes (a small sum), no scope or batched mode is left
 * open, nothing stays allocated. */
void fz_check_still_works(const char *what) {
    FZ_CHECK(gen_scope_depth() == 0, "%s: scope depth %d after the input", what, gen_scope_depth());
    FZ_CHECK(gen_batch_size() == 0, "%s: batched mode (%lld) left on", what,
             (long long)gen_batch_size());
    fz_alloc_reset();
    gen_error_clear();
    FZ_CHECK(gen_scope_begin() == GEN_OK, "%s: gen_scope_begin fails after the input", what);
    gen_array *x = gen_arange(0, 10, 1, GEN_F64);
    gen_array *y = gen_sum(gen_mul(x, x), 0, NULL, false);
    double v = 0;
    FZ_CHECK(gen_item(y, &v) == GEN_OK && v == 285.0, "%s: sum of squares 0..9 gives %g", what, v);
    FZ_CHECK(gen_scope_end() == GEN_OK, "%s: gen_scope_end fails", what);
    fz_check_no_leak(what);
    gen_error_clear();
}

void fz_forget_symbols(void) {
    if (gen_sym_count() > 100000) gen_intern_reset();
}
